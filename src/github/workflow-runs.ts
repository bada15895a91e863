import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

/** A workflow run as the app reads it. */
export interface WorkflowRunInfo {
  readonly id: number;
  readonly htmlUrl: string;
  /** queued, in_progress, completed… */
  readonly status: string | null;
  /** success, failure, cancelled, timed_out… once completed. */
  readonly conclusion: string | null;
  /** The run's `run-name`. */
  readonly displayTitle: string;
}

/** Which workflow run a dispatch started, when GitHub says (`return_run_details`). */
export type DispatchAnswer = { readonly kind: "started"; readonly workflowRunId: number; readonly htmlUrl: string } | { readonly kind: "accepted" };

/**
 * `POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches`. With
 * `returnRunDetails`, github.com answers 200 with the run's id; without it (and on GHES,
 * which does not know the parameter), 204 and nothing.
 */
export async function dispatchWorkflow(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { workflowFile: string; ref: string; inputs: Record<string, string>; returnRunDetails: boolean },
): Promise<DispatchAnswer> {
  const response = await octokit.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
    ...repo,
    workflow_id: input.workflowFile,
    ref: input.ref,
    inputs: input.inputs,
    ...(input.returnRunDetails ? { return_run_details: true } : {}),
  });
  const data = response.data as { workflow_run_id?: unknown; html_url?: unknown } | undefined;
  if (typeof data?.workflow_run_id === "number" && typeof data.html_url === "string") {
    return { kind: "started", workflowRunId: data.workflow_run_id, htmlUrl: data.html_url };
  }
  return { kind: "accepted" };
}

/** The workflow's most recent `workflow_dispatch` runs on `branch`, newest first (one page). */
export async function listDispatchedRuns(octokit: GitHubClient, repo: RepoRef, input: { workflowFile: string; branch: string }): Promise<WorkflowRunInfo[]> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
    ...repo,
    workflow_id: input.workflowFile,
    event: "workflow_dispatch",
    branch: input.branch,
    per_page: 50,
  });
  return data.workflow_runs.map(toWorkflowRun);
}

export async function getWorkflowRun(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<WorkflowRunInfo> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", { ...repo, run_id: runId });
  return toWorkflowRun(data);
}

/** Cancels a workflow run; false when there was nothing to cancel (it had completed: 409; or it is gone: 404). */
export async function cancelWorkflowRun(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<boolean> {
  try {
    await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", { ...repo, run_id: runId });
    return true;
  } catch (error) {
    if (hasStatus(error, 409) || hasStatus(error, 404)) return false;
    throw error;
  }
}

function toWorkflowRun(run: { id: number | bigint; html_url: string; status: string | null; conclusion: string | null; display_title?: string; name?: string | null }): WorkflowRunInfo {
  return { id: Number(run.id), htmlUrl: run.html_url, status: run.status, conclusion: run.conclusion, displayTitle: run.display_title ?? run.name ?? "" };
}
