import type { RunRequest } from "../../domain/run.js";
import type { Brief, BriefTask } from "../../store/brief-store.js";

/** Where a task's code is: the repository its own `repo:` line named, else the brief's. */
export function findTaskCodeRepo(brief: Brief, task: BriefTask): RunRequest["repo"] {
  return (task.request ?? brief.request).repo;
}

/**
 * The task's run request: the brief's parameters (or the task's own request when its code is
 * in another repository, `repo:`), the task's issue, the brief as what it reads; stacked on
 * `stackedOn`, that branch is its base and target.
 */
export function buildTaskRequest(brief: Brief, task: BriefTask, stackedOn: string | null): RunRequest {
  const base = task.request ?? brief.request;
  const { repo, issueRepo, agent, model, instructions, settings, parameterSources } = base;
  const { number, title, body, author, htmlUrl } = task.issue;
  return {
    repo,
    ...(issueRepo ? { issueRepo } : {}),
    issue: { number, title, body, author, htmlUrl },
    baseBranch: stackedOn ?? base.baseBranch,
    targetBranch: stackedOn ?? base.targetBranch,
    agent,
    model,
    instructions,
    ...(settings ? { settings } : {}),
    ...(parameterSources ? { parameterSources } : {}),
    brief: { number: brief.issueNumber },
  };
}
