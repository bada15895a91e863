import type { ImportResult } from "../github/import-tasks.js";
import { inlineCode } from "../reporter/format.js";
import type { TaskMasterPlan } from "../task/taskmaster/taskmaster-plan.js";

/** The reply when nothing was imported: each problem, where it is. */
export function renderImportProblems(login: string, path: string, problems: readonly string[]): string {
  return [
    `@${login} I couldn't import ${inlineCode(path)}: ${problems.length === 1 ? "there is a problem" : "there are problems"}, and no issue was created or changed.`,
    "",
    ...problems.map((problem) => `- ${problem}`),
  ].join("\n");
}

/** The reply after an import: what became of each task, and how the brief holds them. */
export function renderImportDone(login: string, path: string, plan: TaskMasterPlan, result: ImportResult): string {
  const count = (action: string) => result.issues.filter((issue) => issue.action === action).length;
  const summary = [`${count("created")} created`, `${count("updated")} updated`, `${count("unchanged")} unchanged`].join(", ");
  const lines = [
    `@${login} Imported ${inlineCode(path)} (tag ${inlineCode(plan.tag)}): ${result.issues.length} task${result.issues.length === 1 ? "" : "s"}, ${summary}.`,
    "",
    "| Task | Issue | |",
    "| --- | --- | --- |",
    ...result.issues.map((issue) => `| ${issue.taskId} | #${issue.number} | ${issue.action} |`),
  ];
  const notes: string[] = [];
  if (plan.skipped.length > 0) notes.push(`Skipped as done or cancelled: ${plan.skipped.map((s) => `task ${s.id} (${s.status})`).join(", ")}.`);
  if (result.via === "task_list") notes.push("This GitHub has no sub-issues: the tasks are listed in this issue's task list.");
  if (!result.dependenciesOnGitHub) notes.push("This GitHub has no issue dependencies: each task's `Depends on` line gives the order.");
  else if (result.dependenciesAdded > 0) notes.push(`Added ${result.dependenciesAdded} issue ${result.dependenciesAdded === 1 ? "dependency" : "dependencies"}.`);
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}
