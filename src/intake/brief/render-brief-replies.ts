import type { Brief, BriefTask } from "../../store/brief-store.js";

/** The replies about a brief's delivery, and the plan table's line about the brief as a whole. */

/** Nothing started: each problem, as a list. */
export function renderBriefProblems(login: string, problems: readonly string[]): string {
  return [
    `@${login} I couldn't deliver this brief: ${problems.length === 1 ? "there is a problem" : "there are problems"}, and no task was started.`,
    "",
    ...problems.map((problem) => `- ${problem}`),
  ].join("\n");
}

export function renderNoTasks(login: string): string {
  return [
    `@${login} This issue has no tasks to deliver: \`/deliver all\` delivers a brief, an issue whose sub-issues are its tasks`,
    "(or, where GitHub has no sub-issues, whose task list names them: `- [ ] #12`). To deliver this issue itself, comment `/deliver`.",
  ].join("\n");
}

export function renderBriefAlreadyActive(login: string, planUrl: string | undefined): string {
  const where = planUrl ? ` Its [plan table](${planUrl}) shows where each task stands;` : "";
  return `@${login} This brief is being delivered already.${where} \`/cancel\` stops it, \`/retry\` starts its failed tasks again.`;
}

export function renderBriefCancelled(login: string, cancelled: number): string {
  const runs = cancelled === 0 ? "No task was running" : `${cancelled} running task${cancelled === 1 ? " is" : "s are"} being cancelled`;
  return `@${login} ${runs}, and no more tasks of this brief will start. \`/retry\` starts the failed and cancelled tasks again.`;
}

export function renderNothingToRetry(login: string): string {
  return `@${login} No task of this brief failed or was cancelled: there is nothing to retry. The plan table shows where each task stands.`;
}

/** Under the plan table's heading: the brief stopped, or over. */
export function renderPlanNotice(brief: Brief, tasks: readonly BriefTask[]): string | undefined {
  const notes = tasks.filter((task) => task.note !== null && (task.state === "failed" || task.state === "cancelled"));
  const why = notes.map((task) => `${task.taskId}: ${task.note}.`).join(" ");
  const suffix = why === "" ? "" : ` ${why}`;
  if (brief.state === "cancelled") return `🚫 Stopped with \`/cancel\`: no more tasks start. \`/retry\` starts the failed and cancelled ones again.${suffix}`;
  if (brief.state === "finished") {
    if (tasks.every((task) => task.state === "done")) return "✅ Every task is done.";
    return `The delivery is over, but not every task is done. \`/retry\` starts the failed and cancelled ones again.${suffix}`;
  }
  return why === "" ? undefined : why;
}
