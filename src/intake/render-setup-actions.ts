import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import { inlineCode } from "../reporter/format.js";

/** The pull request `/hamster setup actions` opens, and its one commit. */
export const SETUP_ACTIONS_TITLE = "Add the Hamster workflow for GitHub Actions runners";
export const SETUP_ACTIONS_COMMIT_MESSAGE = `Add ${DEFAULT_WORKFLOW_PATH}, where Hamster runs on GitHub Actions`;

const WORKFLOW = `\`${DEFAULT_WORKFLOW_PATH}\``;

export function renderSetupPullRequestBody(input: { requestedBy: string; issueNumber: number; publicUrl: string }): string {
  return [
    `Adds ${WORKFLOW}, the workflow in which Hamster runs its tasks on this repository's own GitHub Actions runners. Asked for by @${input.requestedBy} in #${input.issueNumber}.`,
    "",
    "### Before merging: the setup section",
    "",
    "The part between `# ---- Setup: edit this section` and `# ---- End of the setup section` is yours: it runs",
    "before Hamster, in the same job, and should install what the agent needs to build and test this",
    "repository (for example `actions/setup-python`, `npm ci`, `pip install -r requirements.txt`). It holds one",
    "harmless step for now. Push your changes to this pull request's branch.",
    "",
    "Keep the rest as it is: the Hamster app starts this workflow with `workflow_dispatch`, finds each of its runs",
    `by its \`run-name\`, and the Hamster step talks to the app at ${inlineCode(input.publicUrl)}.`,
    "",
    "### Permissions",
    "",
    "The job asks for two permissions, and nothing else:",
    "",
    "- `contents: read`, to check out the repository;",
    "- `id-token: write`, for an OIDC token that proves to the Hamster app that this job is the one it started.",
    "  The app trades it for a credential that is good for this run only.",
    "",
    "The job holds no write access: the Hamster runner runs without the job's `GITHUB_TOKEN`, and sends its work",
    "back to the app, which checks it and pushes it to the run's branch itself.",
    "",
    "### After merging",
    "",
    "Runs go to this workflow when they use the `actions` executor (`executor: actions` in `.github/hamster.yml`,",
    "or the app's default). Each run shows up under the repository's Actions tab as `Hamster run <run> attempt <attempt>`.",
  ].join("\n");
}

export function renderSetupPullRequestOpened(login: string, pullUrl: string): string {
  return `@${login} I opened ${pullUrl}: it adds ${WORKFLOW}, where Hamster runs on this repository's GitHub Actions runners. Edit its setup section to install what the agent needs to build and test the repository, then merge it.`;
}

export function renderSetupPullRequestExists(login: string, pullUrl: string): string {
  return `@${login} The pull request that adds ${WORKFLOW} is already open: ${pullUrl}. Edit its setup section there, then merge it.`;
}

export function renderWorkflowExists(login: string, defaultBranch: string): string {
  return `@${login} This repository already has ${WORKFLOW} on ${inlineCode(defaultBranch)}, so I left it as it is. To start again from Hamster's template, delete it and comment \`/hamster setup actions\` again; \`hamster setup actions\` on the app's server prints the template too.`;
}

export function renderUnusablePublicUrl(login: string, problem: string): string {
  return `@${login} I can't write ${WORKFLOW} for this app: ${problem} Ask the app's administrator to set \`HAMSTER_PUBLIC_URL\` to the address GitHub's runners reach the app at.`;
}

/** GitHub refused the file: the app lacks the optional Workflows permission. The file goes in the reply instead. */
export function renderWorkflowToCommit(login: string, workflow: string): string {
  return [
    `@${login} GitHub did not let me add ${WORKFLOW}: to open that pull request itself, this app needs the optional **Workflows** permission (read and write), which its owner can add in the app's settings (and each installation then accepts). Until then, commit this file yourself as ${WORKFLOW}, and edit its setup section:`,
    "",
    renderCodeBlock(workflow, "yaml"),
  ].join("\n");
}

/** A fenced block that no run of backquotes in `text` can close early. */
function renderCodeBlock(text: string, language: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.replace(/\n$/, "")}\n${fence}`;
}
