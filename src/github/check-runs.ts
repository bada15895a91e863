import type { CheckAction, CheckConclusion, CheckRunOutput } from "../domain/check-run.js";
import { CHECK_RUN_NAME } from "../domain/check-run.js";
import type { GitHubClient, RepoRef } from "./client.js";

export interface CheckRunRef {
  readonly id: number;
  readonly htmlUrl: string | null;
}

export async function createCheckRun(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { headSha: string; output: CheckRunOutput; conclusion?: CheckConclusion; detailsUrl?: string; externalId: string; actions?: readonly CheckAction[] },
): Promise<CheckRunRef> {
  const now = new Date().toISOString();
  const { data } = await octokit.rest.checks.create({
    ...repo,
    name: CHECK_RUN_NAME,
    head_sha: input.headSha,
    external_id: input.externalId,
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    started_at: now,
    ...(input.conclusion
      ? { status: "completed" as const, conclusion: input.conclusion, completed_at: now }
      : { status: "in_progress" as const }),
    output: input.output,
    ...(input.actions ? { actions: [...input.actions] } : {}),
  });
  return { id: data.id, htmlUrl: data.html_url };
}

export async function updateCheckRun(
  octokit: GitHubClient,
  repo: RepoRef,
  checkRunId: number,
  input: { output: CheckRunOutput; conclusion?: CheckConclusion; detailsUrl?: string; actions?: readonly CheckAction[] },
): Promise<CheckRunRef> {
  const { data } = await octokit.rest.checks.update({
    ...repo,
    check_run_id: checkRunId,
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    ...(input.conclusion
      ? { status: "completed" as const, conclusion: input.conclusion, completed_at: new Date().toISOString() }
      : { status: "in_progress" as const }),
    output: input.output,
    ...(input.actions ? { actions: [...input.actions] } : {}),
  });
  return { id: data.id, htmlUrl: data.html_url };
}
