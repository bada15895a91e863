import { PREFERENCE_KEYS, type DeliverParameterKey } from "./deliver-parameters.js";
import { TASK_MASTER_FILE } from "./parse-import-arguments.js";

const PARAMETER_MEANINGS: Record<DeliverParameterKey, string> = {
  branch: "Branch to start the work from",
  target: "Branch the pull request is opened against",
  agent: "Which coding agent does the work, e.g. `claude`.",
  model: "Model name passed to the agent, e.g. `claude-sonnet-4-5`.",
  executor: "Where the run executes: `local`, `process`, or `actions` (a GitHub Actions job of this repository).",
  repo: "The repository, of this app's installation, the code is in (`owner/name`) when it is not this one; the pull request there closes this issue.",
};

const WHERE_TO_WRITE = "Write the command at the start of a line, outside code blocks and quotes; only the first command in a comment counts.";

/**
 * Markdown help for one command (`"deliver"`, `"/deliver"`, `"hamster prefs"` …), or an
 * overview of all commands when `command` is absent or not a command the app knows.
 */
export function renderCommandHelp(command?: string): string {
  const name = command?.trim().replace(/^\//, "").split(/\s/)[0] ?? "";
  switch (name) {
    case "deliver":
      return renderDeliverHelp();
    case "cancel":
      return renderBareCommandHelp("cancel", "Stops the task's active run; on a brief, every active run of its tasks.");
    case "retry":
      return renderBareCommandHelp("retry", "Starts the task again with the parameters of its last run; on a brief, its failed tasks.");
    case "runs":
      return renderBareCommandHelp("runs", "Lists the task's runs in one comment, which is updated each time you ask.");
    case "hamster":
    case "prefs":
    case "setup":
    case "import":
      return renderHamsterHelp();
    default:
      return renderCommandOverview();
  }
}

function renderDeliverHelp(): string {
  return [
    "**Usage:** `/deliver [all] [key=value ...] [instructions]`",
    "",
    "Write the command at the start of a line. Parameters come first; everything after them,",
    "including the following lines, is passed to the agent as extra instructions.",
    'Quote values that contain spaces: `key="a value"`.',
    "",
    "| Parameter | Meaning |",
    "| --- | --- |",
    `| \`branch\` | ${PARAMETER_MEANINGS.branch} (default: the repository's default branch). |`,
    `| \`target\` | ${PARAMETER_MEANINGS.target} (default: the same as \`branch\`). |`,
    `| \`agent\` | ${PARAMETER_MEANINGS.agent} |`,
    `| \`model\` | ${PARAMETER_MEANINGS.model} |`,
    `| \`executor\` | ${PARAMETER_MEANINGS.executor} (default: \`executor\` in \`.github/hamster.yml\`, else the app's). |`,
    `| \`repo\` | ${PARAMETER_MEANINGS.repo} |`,
    "",
    "Parameters you leave out come from your saved preferences, then from `.github/hamster.yml`,",
    "then from the app's defaults.",
    "",
    "`/deliver all` on a brief (an issue whose sub-issues, or the issues its task list names, are its tasks)",
    "delivers every task in the order their dependencies give, a few at a time (`brief.parallel`), each with",
    "the same parameters and instructions, and keeps a plan table on the brief up to date.",
    "",
    "**Examples:**",
    "",
    "```",
    "/deliver",
    "/deliver all",
    "/deliver branch=main target=develop agent=claude Add retries to the HTTP client",
    "```",
  ].join("\n");
}

function renderBareCommandHelp(name: "cancel" | "retry" | "runs", meaning: string): string {
  return [`**Usage:** \`/${name}\``, "", `${meaning} The command takes no arguments.`, "", WHERE_TO_WRITE].join("\n");
}

const IMPORT_MEANING =
  "On a brief issue: makes each task of a Task Master tasks file (`tag=` picks a tag; default `master`) a sub-issue of the brief, with its dependencies. Importing again updates the same issues.";

const SETUP_ACTIONS_MEANING =
  "Opens a pull request that adds `.github/workflows/hamster.yml`, the workflow that runs Hamster's runs on this repository's GitHub Actions runners.";

/** `/hamster`'s subcommands: the preferences, the setup of Actions runners, the import of a plan. */
function renderHamsterHelp(): string {
  return [
    "**Usage:** `/hamster prefs`, `/hamster prefs key=value ...`, `/hamster prefs reset`, `/hamster setup actions`, `/hamster import <path> [tag=<name>]`",
    "",
    "Your preferences fill in the parameters you leave out of `/deliver` (and apply when you add the",
    "`hamster:deliver` label), before `.github/hamster.yml` and the app's defaults. They are yours",
    "alone, in every repository where this app is installed for the same account.",
    "",
    "| Command | What it does |",
    "| --- | --- |",
    "| `/hamster prefs` | Shows your saved preferences. |",
    "| `/hamster prefs key=value ...` | Saves the preferences given; the others stay as they are. |",
    "| `/hamster prefs reset` | Deletes all your saved preferences. |",
    `| \`/hamster setup actions\` | ${SETUP_ACTIONS_MEANING} |`,
    `| \`/hamster import <path> [tag=<name>]\` | ${IMPORT_MEANING} |`,
    "",
    "| Preference | Meaning |",
    "| --- | --- |",
    ...PREFERENCE_KEYS.map((key) => `| \`${key}\` | ${renderSentence(PARAMETER_MEANINGS[key])} |`),
    "",
    'Quote values that contain spaces: `key="a value"`.',
    "",
    "**Examples:**",
    "",
    "```",
    "/hamster prefs",
    "/hamster prefs agent=claude model=claude-sonnet-4-5",
    "/hamster prefs reset",
    "/hamster setup actions",
    `/hamster import ${TASK_MASTER_FILE}`,
    "```",
  ].join("\n");
}

function renderCommandOverview(): string {
  return [
    "| Command | What it does |",
    "| --- | --- |",
    "| `/deliver [key=value ...] [instructions]` | Starts a run: an agent works on the issue and opens a pull request. |",
    "| `/deliver all [key=value ...]` | On a brief: delivers its tasks in the order of their dependencies. |",
    "| `/cancel` | Stops the task's active run. |",
    "| `/retry` | Starts the task again with the parameters of its last run. |",
    "| `/runs` | Lists the task's runs. |",
    "| `/hamster prefs` | Shows your saved preferences. |",
    `| \`/hamster prefs key=value ...\` | Saves your preferences: ${PREFERENCE_KEYS.map((key) => `\`${key}\``).join(", ")}. |`,
    "| `/hamster prefs reset` | Deletes your saved preferences. |",
    `| \`/hamster setup actions\` | ${SETUP_ACTIONS_MEANING} |`,
    `| \`/hamster import <path> [tag=<name>]\` | ${IMPORT_MEANING} |`,
    "",
    WHERE_TO_WRITE,
  ].join("\n");
}

function renderSentence(text: string): string {
  return text.endsWith(".") ? text : `${text}.`;
}
