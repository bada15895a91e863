import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

/** A check run on a commit, from any app: the repository's CI as GitHub shows it on a pull request. */
export interface CommitCheckRun {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly appId: number | null;
  readonly appSlug: string | null;
  readonly htmlUrl: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  readonly text: string | null;
  readonly annotationsCount: number;
}

export interface CheckAnnotation {
  readonly path: string;
  readonly startLine: number;
  readonly level: string;
  readonly title: string | null;
  readonly message: string;
}

/** Check runs read at most on one commit: a pull request with more has more than CI on it. */
const MAX_CHECK_RUN_PAGES = 5;

/** The latest check run of each name on the commit (GitHub's default `filter=latest`). */
export async function listCommitCheckRuns(octokit: GitHubClient, repo: RepoRef, sha: string): Promise<CommitCheckRun[]> {
  const runs: CommitCheckRun[] = [];
  let page = 0;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.checks.listForRef, { ...repo, ref: sha, per_page: 100 })) {
    for (const c of data) {
      runs.push({
        id: c.id,
        name: c.name,
        status: c.status,
        conclusion: c.conclusion ?? null,
        appId: c.app?.id ?? null,
        appSlug: c.app?.slug ?? null,
        htmlUrl: c.html_url ?? null,
        title: c.output?.title ?? null,
        summary: c.output?.summary ?? null,
        text: c.output?.text ?? null,
        annotationsCount: c.output?.annotations_count ?? 0,
      });
    }
    if (++page >= MAX_CHECK_RUN_PAGES) break;
  }
  return runs;
}

/** The first annotations of a check run (one page): where and why it failed, as the CI tool said. */
export async function listCheckAnnotations(octokit: GitHubClient, repo: RepoRef, checkRunId: number, max: number): Promise<CheckAnnotation[]> {
  const { data } = await octokit.rest.checks.listAnnotations({ ...repo, check_run_id: checkRunId, per_page: Math.min(max, 100) });
  return data.slice(0, max).map((a) => ({ path: a.path, startLine: a.start_line, level: a.annotation_level ?? "failure", title: a.title ?? null, message: a.message ?? "" }));
}

/**
 * A GitHub Actions job's log (its check run id is the job id). GitHub answers with a
 * redirect to the log's download address, which fetch follows. null when the log is gone
 * (expired, deleted) or the app may not read it.
 */
export async function getJobLog(octokit: GitHubClient, repo: RepoRef, jobId: number): Promise<string | null> {
  try {
    const { data } = await octokit.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobId });
    const log: unknown = data;
    if (typeof log === "string") return log;
    if (log instanceof ArrayBuffer) return Buffer.from(log).toString("utf8");
    return null;
  } catch (error) {
    if (hasStatus(error, 404) || hasStatus(error, 410) || hasStatus(error, 403)) return null;
    throw error;
  }
}
