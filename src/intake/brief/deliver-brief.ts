import { getBriefTasks } from "../../github/brief-issues.js";
import { addEyesReaction } from "../../github/comments.js";
import { ActiveBriefExistsError, type Brief, type NewBrief } from "../../store/brief-store.js";
import { buildBriefPlan, type BriefIssue } from "../../task/plan/brief-plan.js";
import { isSameRepository, parseTaskListReferences, type HomeRepository } from "../../task/plan/issue-references.js";
import { renderPlanProblem } from "../../task/plan/plan-graph.js";
import { parseTaskRepository } from "../../task/plan/task-repository.js";
import { findIssueRepository, type RunRequest } from "../../domain/run.js";
import type { AdmitOutcome, ControlContext } from "../queue-run.js";
import { renderAgentCannotStart, renderUnsupported } from "../render-replies.js";
import { resolveRunRequest } from "../resolve-run-request.js";
import type { DeliverParams } from "../deliver-parameters.js";
import type { TriggerEvent } from "../trigger-event.js";
import { renderBriefAlreadyActive, renderBriefProblems, renderNoTasks } from "./render-brief-replies.js";

/**
 * Whether the `hamster:deliver` label asks for the issue's tasks rather than for the issue
 * itself: it has sub-issues (GitHub counts them in the event), or its task list names issues
 * (`- [ ] #12`). Decided from the event alone, without a call.
 */
export function isBriefIssue(event: TriggerEvent): boolean {
  if ((event.issue.subIssues ?? 0) > 0) return true;
  const home = { owner: event.repo.owner, repo: event.repo.name, htmlUrl: event.repo.htmlUrl };
  return parseTaskListReferences(event.issue.body, home).length > 0;
}

/** The plan table's address, once it is written. */
export function renderPlanUrl(brief: Brief): string | undefined {
  // The plan table is on the brief's issue, which may not be in the repository the code goes to (repo=).
  return brief.planCommentId === null ? undefined : `${findIssueRepository(brief.request).htmlUrl}/issues/${brief.issueNumber}#issuecomment-${brief.planCommentId}`;
}

/**
 * `/deliver all` on a brief (or the label on one): reads its tasks and their order from
 * GitHub, checks the plan whole (a cycle, a missing or unreachable dependency, too many
 * tasks) and answers any problem without starting anything; else records the brief, starts
 * the tasks that may start, and writes the plan table. Every task's run gets the parameters
 * resolved here, as `/deliver` on the brief itself would.
 */
export async function deliverBrief(control: ControlContext, command: { params: DeliverParams; instructions: string }, readRepoConfig: () => Promise<unknown>): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  const login = event.sender.login;
  const briefs = deps.briefs;
  if (!briefs) return reply("briefs unavailable", renderUnsupported(login, "This Hamster does not deliver briefs."));
  if (event.issue.isPullRequest) {
    return reply("brief on a pull request", renderUnsupported(login, "`/deliver all` delivers a brief: comment it on the brief's issue, not on a pull request."));
  }
  const active = briefs.store.findActiveBrief(event.repo.id, event.issue.number);
  if (active) return reply("brief already active", renderBriefAlreadyActive(login, renderPlanUrl(active)));

  const resolved = await resolveRunRequest(control, command.params, command.instructions, readRepoConfig);
  if (!resolved.ok) return resolved.outcome;
  const agentProblem = deps.findAgentProblem?.(event.installationId, resolved.request);
  if (agentProblem) return reply("agent cannot start", renderAgentCannotStart(login, agentProblem));

  const home: HomeRepository = { owner: event.repo.owner, repo: event.repo.name, htmlUrl: event.repo.htmlUrl };
  const read = await getBriefTasks(octokit, home, { number: event.issue.number, body: event.issue.body });
  if (read.tasks.length === 0 && read.unreachable.length === 0) return reply("brief without tasks", renderNoTasks(login));
  const plan = buildBriefPlan(read, home);
  const problems = plan.ok ? [] : plan.problems.map((problem) => renderPlanProblem(problem));
  for (const task of read.tasks) {
    if (!isSameRepository(task.ref, home)) {
      problems.push(`${task.ref.owner}/${task.ref.repo}#${task.ref.number} is an issue of another repository; a brief's tasks are issues of its own repository`);
    }
  }
  const named = new Map<string, string>();
  for (const task of read.tasks) {
    const parsed = parseTaskRepository(task.body);
    if (!parsed.ok) problems.push(`#${task.ref.number}: ${parsed.problem}`);
    else if (parsed.repository) named.set(task.ref.number.toString(), `${parsed.repository.owner}/${parsed.repository.repo}`);
  }
  if (!plan.ok || problems.length > 0) return reply("invalid brief", renderBriefProblems(login, problems));
  const taskRequests = await resolveTaskRequests(control, command, readRepoConfig, resolved.request, new Set(named.values()));
  if (!taskRequests.ok) return taskRequests.outcome;

  const input: NewBrief = {
    installationId: event.installationId,
    trigger: event.kind,
    requestedBy: login,
    request: resolved.request,
    parallel: resolved.config.brief.parallel,
    stack: resolved.config.brief.stack,
    tasks: plan.graph.order.map((taskId) => {
      const issue = plan.tasks.get(taskId) as BriefIssue;
      const request = taskRequests.byName.get(named.get(issue.ref.number.toString())?.toLowerCase() ?? "");
      return {
        taskId,
        issue: { owner: issue.ref.owner, repo: issue.ref.repo, number: issue.ref.number, title: issue.title, body: issue.body, author: issue.author, htmlUrl: issue.htmlUrl },
        blockedBy: plan.graph.blockedBy.get(taskId) ?? [],
        state: plan.states.get(taskId) ?? "pending",
        ...(request ? { request } : {}),
      };
    }),
  };
  let brief: Brief;
  try {
    brief = briefs.store.createBrief(input);
  } catch (error) {
    if (error instanceof ActiveBriefExistsError) return reply("brief already active", renderBriefAlreadyActive(login, renderPlanUrl(error.activeBrief)));
    throw error;
  }
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  // The 👀 is an acknowledgement only; the plan table is the answer.
  await addEyesReaction(octokit, repo, event.comment ? { commentId: event.comment.id } : { issueNumber: event.issue.number }).catch((error: unknown) =>
    deps.log.warn({ brief: event.issue.number, err: error }, "could not add the reaction"),
  );
  await briefs.coordinator.advance(brief.id, { publish: true });
  deps.log.info({ brief: event.issue.number, tasks: input.tasks.length, repo: `${repo.owner}/${repo.repo}` }, "brief delivery started");
  return { outcome: "replied", why: `delivering a brief of ${input.tasks.length} tasks` };
}

/**
 * The request of each repository the brief's tasks name with `repo: owner/name`, other than
 * the brief's own code repository: resolved as `repo=` on `/deliver` is (the sender's write
 * access there, its `.github/hamster.yml`, its branches), keyed by the lowercased name. The
 * first refusal is answered, and nothing starts.
 */
async function resolveTaskRequests(
  control: ControlContext,
  command: { params: DeliverParams; instructions: string },
  readRepoConfig: () => Promise<unknown>,
  briefRequest: RunRequest,
  names: ReadonlySet<string>,
): Promise<{ ok: true; byName: Map<string, RunRequest> } | { ok: false; outcome: AdmitOutcome }> {
  const byName = new Map<string, RunRequest>();
  for (const name of names) {
    const [owner = "", repo = ""] = name.split("/");
    if (isSameRepository({ owner, repo }, { owner: briefRequest.repo.owner, repo: briefRequest.repo.name })) continue;
    const resolved = await resolveRunRequest(control, { ...command.params, repo: name }, command.instructions, readRepoConfig);
    if (!resolved.ok) return resolved;
    const agentProblem = control.deps.findAgentProblem?.(control.event.installationId, resolved.request);
    if (agentProblem) return { ok: false, outcome: await control.reply("agent cannot start", renderAgentCannotStart(control.event.sender.login, agentProblem)) };
    byName.set(name.toLowerCase(), resolved.request);
  }
  return { ok: true, byName };
}
