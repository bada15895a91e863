import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import { renderWorkflowTemplate, WorkflowTemplateError } from "../executors/actions/workflow-template.js";
import { deleteBranch, ensureBranchAt, getBranchHead } from "../github/branches.js";
import { hasStatus } from "../github/client.js";
import { createFile, fileExists } from "../github/contents.js";
import { createPullRequest, findOpenPullRequest } from "../github/pull-requests.js";
import type { AdmitOutcome, ControlContext } from "./queue-run.js";
import {
  renderSetupPullRequestBody,
  renderSetupPullRequestExists,
  renderSetupPullRequestOpened,
  renderUnusablePublicUrl,
  renderWorkflowExists,
  renderWorkflowToCommit,
  SETUP_ACTIONS_COMMIT_MESSAGE,
  SETUP_ACTIONS_TITLE,
} from "./render-setup-actions.js";

/** The branch of the pull request `/hamster setup actions` opens; one per repository, so asking twice finds it. */
export const SETUP_ACTIONS_BRANCH = "hamster/setup-actions";

/**
 * `/hamster setup actions`: a pull request that adds the Hamster workflow, from the default
 * branch, or the one already open. When GitHub refuses the file (the app lacks the optional
 * Workflows permission), the reply holds the file for someone to commit.
 */
export async function openSetupPullRequest(control: ControlContext): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const login = event.sender.login;

  const open = await findOpenPullRequest(octokit, repo, SETUP_ACTIONS_BRANCH);
  if (open) return reply("setup pull request already open", renderSetupPullRequestExists(login, open.htmlUrl));
  // Never overwrite a workflow whose setup section the repository has made its own.
  if (await fileExists(octokit, repo, DEFAULT_WORKFLOW_PATH)) return reply("workflow already there", renderWorkflowExists(login, event.repo.defaultBranch));

  const { publicUrl } = deps.settings;
  let workflow: string;
  try {
    workflow = renderWorkflowTemplate({ publicUrl });
  } catch (error) {
    if (error instanceof WorkflowTemplateError) return reply("unusable public URL", renderUnusablePublicUrl(login, error.message));
    throw error;
  }
  if (isOnThisMachine(publicUrl)) {
    // HAMSTER_PUBLIC_URL unset gives http://localhost:PORT: a workflow with it could never reach the app.
    const problem = `its public URL is ${publicUrl}, an address on the app's own machine, which GitHub's runners cannot reach.`;
    return reply("unusable public URL", renderUnusablePublicUrl(login, problem));
  }

  // A branch left without an open pull request (closed, or a failed earlier try) starts over.
  const base = await getBranchHead(octokit, repo, event.repo.defaultBranch);
  await ensureBranchAt(octokit, repo, SETUP_ACTIONS_BRANCH, base);
  try {
    await createFile(octokit, repo, { path: DEFAULT_WORKFLOW_PATH, content: workflow, message: SETUP_ACTIONS_COMMIT_MESSAGE, branch: SETUP_ACTIONS_BRANCH });
  } catch (error) {
    // An app without the Workflows permission may not write under .github/workflows/: GitHub
    // answers 403 ("Resource not accessible by integration") or 404, depending on the credential.
    if (!hasStatus(error, 403) && !hasStatus(error, 404)) throw error;
    await deleteBranch(octokit, repo, SETUP_ACTIONS_BRANCH);
    deps.log.info({ repo: `${repo.owner}/${repo.repo}`, status: (error as { status: number }).status }, "the workflow file was refused: no Workflows permission");
    return reply("no workflows permission", renderWorkflowToCommit(login, workflow));
  }

  const body = renderSetupPullRequestBody({ requestedBy: login, issueNumber: event.issue.number, publicUrl });
  try {
    const pull = await createPullRequest(octokit, repo, { head: SETUP_ACTIONS_BRANCH, base: event.repo.defaultBranch, title: SETUP_ACTIONS_TITLE, body });
    return reply("setup pull request opened", renderSetupPullRequestOpened(login, pull.htmlUrl));
  } catch (error) {
    // 422: a second `/hamster setup actions` opened it in the meantime.
    if (!hasStatus(error, 422)) throw error;
    const opened = await findOpenPullRequest(octokit, repo, SETUP_ACTIONS_BRANCH);
    if (!opened) throw error;
    return reply("setup pull request already open", renderSetupPullRequestExists(login, opened.htmlUrl));
  }
}

function isOnThisMachine(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\./.test(host);
}
