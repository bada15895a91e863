import { readTextFile } from "../github/contents.js";
import { ensureImportedTasks, ImportError } from "../github/import-tasks.js";
import { inlineCode } from "../reporter/format.js";
import { renderPlanProblem, validatePlanGraph } from "../task/plan/plan-graph.js";
import { parseTaskMasterFile } from "../task/taskmaster/parse-taskmaster.js";
import { buildPlanTasks, renderTaskFileProblem, renderTaskMasterName } from "../task/taskmaster/taskmaster-plan.js";
import type { AdmitOutcome, ControlContext } from "./queue-run.js";
import { renderImportDone, renderImportProblems } from "./render-import.js";
import { renderUnsupported } from "./render-replies.js";

/**
 * `/hamster import <path>` on a brief: reads the Task Master file from the default branch,
 * checks it whole (its JSON, its shape, its dependencies), and only then creates or
 * updates the brief's task issues. A file with any problem changes nothing.
 */
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
  const parsed = parseTaskMasterFile(text, command.tag !== undefined ? { tag: command.tag } : {});
  if (!parsed.ok) return reply("invalid task file", renderImportProblems(login, command.path, parsed.problems.map((p) => renderTaskFileProblem(p, command.path))));
  if (parsed.plan.tasks.length === 0) return reply("nothing to import", renderImportProblems(login, command.path, ["every task in it is done or cancelled"]));
  const graph = validatePlanGraph(buildPlanTasks(parsed.plan));
  if (!graph.ok) return reply("invalid plan", renderImportProblems(login, command.path, graph.problems.map((p) => renderPlanProblem(p, renderTaskMasterName))));
  try {
    const result = await ensureImportedTasks(octokit, home, { number: event.issue.number, body: event.issue.body }, parsed.plan, graph.graph);
    return reply("plan imported", renderImportDone(login, command.path, parsed.plan, result));
  } catch (error) {
    if (error instanceof ImportError) return reply("import refused", renderImportProblems(login, command.path, [error.message]));
    throw error;
  }
}
