import { readTextFile } from "../github/contents.js";
import { ensureImportedTasks, ImportError, type ImportResult } from "../github/import-tasks.js";
import type { GitHubClient } from "../github/client.js";
import { inlineCode } from "../reporter/format.js";
import type { HomeRepository } from "../task/plan/issue-references.js";
import { renderPlanProblem, validatePlanGraph } from "../task/plan/plan-graph.js";
import { parseTaskMasterFile } from "../task/taskmaster/parse-taskmaster.js";
import { buildPlanTasks, renderTaskFileProblem, renderTaskMasterName, type TaskMasterPlan } from "../task/taskmaster/taskmaster-plan.js";
import type { AdmitOutcome, ControlContext } from "./queue-run.js";
import { renderImportDone, renderImportProblems } from "./render-import.js";
import { renderUnsupported } from "./render-replies.js";

/** What came of importing a task file: the issues, or why nothing was changed (`reason` short, `problems` each said). */
export type PlanImport =
  | { readonly ok: true; readonly plan: TaskMasterPlan; readonly result: ImportResult }
  | { readonly ok: false; readonly reason: string; readonly problems: readonly string[] };

/**
 * Checks a Task Master file's text whole (its JSON, its shape, its dependencies), and only
 * then creates or updates the brief's task issues: a file with any problem changes nothing.
 * `path` names the file in the problems. Shared by `/hamster import` and `hamster import`.
 */
export async function importTaskText(
  octokit: GitHubClient,
  home: HomeRepository,
  brief: { number: number; body: string | null },
  file: { text: string; path: string; tag?: string },
): Promise<PlanImport> {
  const parsed = parseTaskMasterFile(file.text, file.tag !== undefined ? { tag: file.tag } : {});
  if (!parsed.ok) return { ok: false, reason: "invalid task file", problems: parsed.problems.map((p) => renderTaskFileProblem(p, file.path)) };
  if (parsed.plan.tasks.length === 0) return { ok: false, reason: "nothing to import", problems: ["every task in it is done or cancelled"] };
  const graph = validatePlanGraph(buildPlanTasks(parsed.plan));
  if (!graph.ok) return { ok: false, reason: "invalid plan", problems: graph.problems.map((p) => renderPlanProblem(p, renderTaskMasterName)) };
  try {
    const result = await ensureImportedTasks(octokit, home, brief, parsed.plan, graph.graph);
    return { ok: true, plan: parsed.plan, result };
  } catch (error) {
    if (error instanceof ImportError) return { ok: false, reason: "import refused", problems: [error.message] };
    throw error;
  }
}

/** `/hamster import <path>` on a brief: reads the Task Master file from the default branch and imports it. */
export async function importTaskFile(control: ControlContext, command: { path: string; tag?: string }): Promise<AdmitOutcome> {
  const { octokit, event, reply } = control;
  const login = event.sender.login;
  if (event.issue.isPullRequest) {
    return reply("import on a pull request", renderUnsupported(login, "A plan is imported into a brief: comment `/hamster import` on an issue, not on a pull request."));
  }
  const home = { owner: event.repo.owner, repo: event.repo.name, htmlUrl: event.repo.htmlUrl };
  const text = await readTextFile(octokit, { owner: home.owner, repo: home.repo }, command.path);
  if (text === null) {
    return reply("task file missing", renderImportProblems(login, command.path, [`there is no such file on the default branch ${inlineCode(event.repo.defaultBranch)}`]));
  }
  const brief = { number: event.issue.number, body: event.issue.body };
  const imported = await importTaskText(octokit, home, brief, { text, path: command.path, ...(command.tag !== undefined ? { tag: command.tag } : {}) });
  if (!imported.ok) return reply(imported.reason, renderImportProblems(login, command.path, imported.problems));
  return reply("plan imported", renderImportDone(login, command.path, imported.plan, imported.result));
}
