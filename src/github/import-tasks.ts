import type { BriefIssue } from "../task/plan/brief-plan.js";
import type { HomeRepository } from "../task/plan/issue-references.js";
import type { PlanGraph } from "../task/plan/plan-graph.js";
import { findImportedIssues, normalizeIssueText, renderBriefTaskList } from "../task/taskmaster/imported-issues.js";
import { renderTaskIssueBody, renderTaskIssueTitle } from "../task/taskmaster/render-task-issue.js";
import type { TaskMasterPlan, TaskMasterTask } from "../task/taskmaster/taskmaster-plan.js";
import { getBriefTasks } from "./brief-issues.js";
import { hasStatus, type GitHubClient } from "./client.js";

/**
 * Makes a brief's tasks what a Task Master file says, creating or updating one issue per
 * task, found again by its marker, so an import run twice changes nothing the second time:
 *   POST  /repos/{o}/{r}/issues                                   a task without an issue yet
 *   PATCH /repos/{o}/{r}/issues/{n}                               a task whose title or body changed
 *   POST  /repos/{o}/{r}/issues/{brief}/sub_issues                a new issue becomes a sub-issue of the brief
 *   POST  /repos/{o}/{r}/issues/{n}/dependencies/blocked_by       each dependency GitHub does not have yet
 * Where GitHub has no sub-issues, the brief's body lists the tasks (`- [ ] #N`) and each
 * task's body says `Depends on #N`; issue dependencies are still added where they exist
 * (GitHub Enterprise Server 3.19), which one `GET …/dependencies/blocked_by` finds out.
 * Dependencies the file no longer has are left in place.
 */

export interface ImportedIssue {
  readonly taskId: string;
  readonly number: number;
  readonly action: "created" | "updated" | "unchanged";
}

export interface ImportResult {
  /** In the plan's order. */
  readonly issues: readonly ImportedIssue[];
  /** How the issues belong to the brief: as sub-issues, or as items of its task list. */
  readonly via: "sub_issues" | "task_list";
  readonly dependenciesAdded: number;
  /** False where GitHub has no issue dependencies: the `Depends on` lines carry the order. */
  readonly dependenciesOnGitHub: boolean;
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

interface KnownIssue {
  readonly number: number;
  readonly id: number;
  /** Numbers of what GitHub says it is blocked by; null when that is not known. */
  readonly blockedBy: ReadonlySet<number> | null;
}

/** `graph`: the plan's graph, validated (`validatePlanGraph(buildPlanTasks(plan))`), which orders the writes. */
export async function ensureImportedTasks(
  octokit: GitHubClient,
  home: HomeRepository,
  brief: { number: number; body: string | null },
  plan: TaskMasterPlan,
  graph: PlanGraph,
): Promise<ImportResult> {
  const read = await getBriefTasks(octokit, home, brief);
  if (!read.complete) throw new ImportError("the brief already has more tasks than a plan may have; import into a new brief");
  const viaSubIssues = read.subIssuesAvailable;
  const existing = findImportedIssues(read.tasks, plan.tag);
  const tasks = new Map(plan.tasks.map((task) => [task.id, task]));
  const known = new Map<string, KnownIssue>();
  const issues: ImportedIssue[] = [];

  // Blockers first, so each body can name the issues its task depends on.
  for (const taskId of graph.order) {
    const task = tasks.get(taskId);
    if (!task) continue;
    const dependsOn = viaSubIssues ? [] : task.dependsOn.flatMap((id) => known.get(id)?.number ?? []);
    const title = renderTaskIssueTitle(task);
    const body = renderTaskIssueBody({ task, tag: plan.tag, dependsOn });
    const found = existing.get(taskId);
    if (found) {
      const changed = normalizeIssueText(found.title) !== normalizeIssueText(title) || normalizeIssueText(found.body) !== normalizeIssueText(body);
      if (changed) await octokit.rest.issues.update({ owner: home.owner, repo: home.repo, issue_number: found.ref.number, title, body });
      known.set(taskId, toKnownIssue(found));
      issues.push({ taskId, number: found.ref.number, action: changed ? "updated" : "unchanged" });
      continue;
    }
    const { data } = await octokit.rest.issues.create({ owner: home.owner, repo: home.repo, title, body });
    if (viaSubIssues) await octokit.rest.issues.addSubIssue({ owner: home.owner, repo: home.repo, issue_number: brief.number, sub_issue_id: data.id });
    known.set(taskId, { number: data.number, id: data.id, blockedBy: new Set() });
    issues.push({ taskId, number: data.number, action: "created" });
  }

  if (!viaSubIssues) {
    const listed = renderBriefTaskList(brief.body, issues.map((issue) => issue.number), home);
    if (listed !== null) await octokit.rest.issues.update({ owner: home.owner, repo: home.repo, issue_number: brief.number, body: listed });
  }
  // GitHub with sub-issues has issue dependencies too; without, a read asks before any write is wasted on a 404.
  const probe = viaSubIssues ? null : plan.tasks.find((task) => task.dependsOn.length > 0 && known.has(task.id));
  const hasDependencies = probe ? await hasDependencyEndpoints(octokit, home, known.get(probe.id)!.number) : true;
  const added = hasDependencies ? await ensureDependencies(octokit, home, plan.tasks, known) : null;
  return { issues, via: viaSubIssues ? "sub_issues" : "task_list", dependenciesAdded: added ?? 0, dependenciesOnGitHub: added !== null };
}

/** Adds the dependencies GitHub does not have yet; null when it has no issue dependencies (404). */
async function ensureDependencies(octokit: GitHubClient, home: HomeRepository, tasks: readonly TaskMasterTask[], known: ReadonlyMap<string, KnownIssue>): Promise<number | null> {
  let added = 0;
  for (const task of tasks) {
    const issue = known.get(task.id);
    if (!issue) continue;
    for (const dependency of task.dependsOn) {
      const blocker = known.get(dependency);
      if (!blocker || issue.blockedBy?.has(blocker.number)) continue;
      try {
        await octokit.rest.issues.addBlockedByDependency({ owner: home.owner, repo: home.repo, issue_number: issue.number, issue_id: blocker.id });
        added++;
      } catch (error) {
        if (hasStatus(error, 404)) return null;
        // Already there: GitHub did not list it (it was not read), or someone added it meanwhile.
        if (!hasStatus(error, 422)) throw error;
      }
    }
  }
  return added;
}

async function hasDependencyEndpoints(octokit: GitHubClient, home: HomeRepository, issueNumber: number): Promise<boolean> {
  try {
    await octokit.rest.issues.listDependenciesBlockedBy({ owner: home.owner, repo: home.repo, issue_number: issueNumber, per_page: 1 });
    return true;
  } catch (error) {
    if (hasStatus(error, 404)) return false;
    throw error;
  }
}

function toKnownIssue(issue: BriefIssue): KnownIssue {
  return { number: issue.ref.number, id: issue.id, blockedBy: issue.blockedBy === null ? null : new Set(issue.blockedBy.map((b) => b.ref.number)) };
}
