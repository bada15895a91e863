import type { BriefBlocker, BriefIssue, BriefRead } from "../task/plan/brief-plan.js";
import { parseTaskListReferences, type HomeRepository, type IssueRef } from "../task/plan/issue-references.js";
import { MAX_PLAN_TASKS } from "../task/plan/plan-graph.js";
import { hasStatus, type GitHubClient } from "./client.js";

/**
 * Reads a brief's tasks and what each is blocked by, in at most two calls per task:
 *   GET /repos/{o}/{r}/issues/{n}/sub_issues                    the tasks (one call for up to 100)
 *   GET /repos/{o}/{r}/issues/{n}/dependencies/blocked_by       per task, only when its summary counts blockers
 * Where GitHub has no sub-issues (404, as on GitHub Enterprise Server up to 3.19) or the
 * brief has none, the tasks are the issues of the brief's task list (`- [ ] #12`):
 *   GET /repos/{o}/{r}/issues/{n}                               per task
 *   GET …/dependencies/blocked_by                               per task, when the host counts blockers (GHES 3.19)
 * and the `Depends on #N` lines of their bodies give the order.
 */

/** Reads of one brief in flight at once: 50 tasks read in well under a second, far below GitHub's limit of 100 concurrent requests. */
export const BRIEF_READ_CONCURRENCY = 8;

/** The fields of GitHub's issue object this reads (from the REST schema `issue`). */
interface IssueJson {
  readonly id: number;
  readonly number: number;
  readonly title: string;
  readonly body?: string | null;
  readonly state: string;
  readonly state_reason?: string | null;
  readonly html_url: string;
  readonly user?: { readonly login: string } | null;
  readonly repository_url: string;
  readonly pull_request?: unknown;
  readonly issue_dependencies_summary?: { readonly total_blocked_by: number } | null;
}

export async function getBriefTasks(octokit: GitHubClient, home: HomeRepository, brief: { number: number; body: string | null }): Promise<BriefRead> {
  const subIssues = await listSubIssues(octokit, home, brief.number);
  if (subIssues !== null && subIssues.length > 0) return readSubIssues(octokit, home, subIssues);
  const read = await readTaskList(octokit, home, parseTaskListReferences(brief.body, home));
  return { ...read, subIssuesAvailable: subIssues !== null };
}

/** The sub-issues, or null where GitHub has no such endpoint. One page of 100: more than 50 is refused anyway. */
async function listSubIssues(octokit: GitHubClient, home: HomeRepository, issueNumber: number): Promise<IssueJson[] | null> {
  try {
    const { data } = await octokit.rest.issues.listSubIssues({ owner: home.owner, repo: home.repo, issue_number: issueNumber, per_page: 100 });
    return data as IssueJson[];
  } catch (error) {
    if (hasStatus(error, 404)) return null;
    throw error;
  }
}

async function readSubIssues(octokit: GitHubClient, home: HomeRepository, issues: readonly IssueJson[]): Promise<BriefRead> {
  if (issues.length > MAX_PLAN_TASKS) {
    return { source: "sub_issues", subIssuesAvailable: true, tasks: issues.map((issue) => toBriefIssue(issue, home, [])), unreachable: [], complete: false };
  }
  const tasks = await mapWithLimit(issues, async (issue) => {
    // Without a summary there is no telling: ask.
    const count = issue.issue_dependencies_summary?.total_blocked_by;
    const blockers = count === 0 ? [] : await listBlockers(octokit, toRef(issue, home));
    return toBriefIssue(issue, home, blockers);
  });
  return { source: "sub_issues", subIssuesAvailable: true, tasks, unreachable: [], complete: true };
}

async function readTaskList(octokit: GitHubClient, home: HomeRepository, refs: readonly IssueRef[]): Promise<Omit<BriefRead, "subIssuesAvailable">> {
  if (refs.length > MAX_PLAN_TASKS) {
    // Not read: the plan is refused for its size, and the stubs only carry the count and the references.
    const stubs = refs.map((ref) => ({ ref, id: 0, title: "", body: null, htmlUrl: "", author: "", state: "open" as const, stateReason: null, blockedBy: null }));
    return { source: "task_list", tasks: stubs, unreachable: [], complete: false };
  }
  const read = await mapWithLimit(refs, async (ref) => {
    const issue = await getIssue(octokit, ref);
    if (issue === null) return { ref, task: null };
    // A host without issue dependencies has no summary either; one with them counts the blockers.
    const count = issue.issue_dependencies_summary?.total_blocked_by ?? 0;
    const blockers = count === 0 ? [] : await listBlockers(octokit, ref);
    return { ref, task: toBriefIssue(issue, home, blockers) };
  });
  const tasks = read.flatMap((entry) => (entry.task ? [entry.task] : []));
  const unreachable = read.filter((entry) => entry.task === null).map((entry) => entry.ref);
  return { source: "task_list", tasks, unreachable, complete: true };
}

/**
 * The issue, or null when it cannot be read (missing or hidden from the app: 404; deleted
 * or issues turned off: 410) or is a pull request. A 403 is not taken for "missing": it is
 * also how GitHub says "slow down".
 */
async function getIssue(octokit: GitHubClient, ref: IssueRef): Promise<IssueJson | null> {
  try {
    const { data } = await octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.number });
    const issue = data as IssueJson;
    return issue.pull_request ? null : issue;
  } catch (error) {
    if (hasStatus(error, 404) || hasStatus(error, 410)) return null;
    throw error;
  }
}

/** What the issue is blocked by, or null where GitHub has no dependencies endpoint. */
async function listBlockers(octokit: GitHubClient, ref: IssueRef): Promise<BriefBlocker[] | null> {
  try {
    const { data } = await octokit.rest.issues.listDependenciesBlockedBy({ owner: ref.owner, repo: ref.repo, issue_number: ref.number, per_page: 100 });
    return (data as IssueJson[]).map((issue) => ({ ref: toRef(issue, ref), state: toState(issue.state), stateReason: issue.state_reason ?? null }));
  } catch (error) {
    if (hasStatus(error, 404)) return null;
    throw error;
  }
}

function toBriefIssue(issue: IssueJson, home: Pick<IssueRef, "owner" | "repo">, blockedBy: readonly BriefBlocker[] | null): BriefIssue {
  return {
    ref: toRef(issue, home),
    id: issue.id,
    title: issue.title,
    body: issue.body ?? null,
    htmlUrl: issue.html_url,
    author: issue.user?.login ?? "ghost",
    state: toState(issue.state),
    stateReason: issue.state_reason ?? null,
    blockedBy,
  };
}

/** The issue's repository from its `repository_url` (…/repos/{owner}/{repo}); `fallback` when that cannot be read. */
function toRef(issue: IssueJson, fallback: Pick<IssueRef, "owner" | "repo">): IssueRef {
  const match = /\/repos\/([^/]+)\/([^/]+)\/?$/.exec(issue.repository_url ?? "");
  return match ? { owner: decodeURIComponent(match[1] as string), repo: decodeURIComponent(match[2] as string), number: issue.number } : { ...fallback, number: issue.number };
}

function toState(state: string): "open" | "closed" {
  return state === "closed" ? "closed" : "open";
}

/** `map` with at most BRIEF_READ_CONCURRENCY calls of `fn` in flight; the results keep the input's order. */
async function mapWithLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BRIEF_READ_CONCURRENCY, items.length) }, worker));
  return results;
}
