import type { ReviewThreadRef } from "../domain/run.js";
import type { GitHubClient } from "../github/client.js";
import { createIssueComment } from "../github/comments.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { listReviewThreads, type ReviewThread } from "../github/review-threads.js";
import type { PullRequestTriggerStore } from "../store/pull-request-trigger-store.js";
import { findOpeningRun } from "./find-opening-run.js";
import { queueRun, type AdmitDependencies, type AdmitOutcome, type ControlContext } from "./queue-run.js";
import { renderReviewTask } from "./render-follow-up-task.js";
import { decideReviewTrigger, type ReviewEvent } from "./review-event.js";
import type { TriggerEvent } from "./trigger-event.js";

export interface ReviewDependencies extends AdmitDependencies {
  readonly triggers: PullRequestTriggerStore;
}

/**
 * A review on a pull request Hamster opened, by someone with write access, that requests
 * changes or mentions the app: a follow-up run on the pull request's branch whose task is
 * the unresolved review threads. Anything else is ignored without a reply: reviews are
 * conversations between people, and most are not meant for the app.
 */
export async function admitReview(deps: ReviewDependencies, octokit: GitHubClient, event: ReviewEvent, appSlug: string): Promise<AdmitOutcome> {
  const decision = decideReviewTrigger(event, appSlug);
  if (decision.action === "ignore") return { outcome: "ignored", why: decision.why };
  const original = deps.runs.findRunForPullRequest(event.repo.id, event.pull.number);
  if (!original?.workBranch || original.workBranch !== event.pull.headRef) return { outcome: "ignored", why: "not a Hamster pull request" };
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const getRole = deps.getRole ?? getRepoRole;
  const role = await getRole(octokit, repo, event.sender.login);
  if (!canTriggerRuns(role)) {
    deps.log.info({ delivery: event.deliveryId, sender: event.sender.login, role }, "review ignored: no write access");
    return { outcome: "ignored", why: `sender has ${role} access` };
  }
  // A review and each of its comments arrive as separate webhooks: the review starts one run.
  if (!deps.triggers.claimTrigger(event.repo.id, event.pull.number, "review", String(event.reviewId))) {
    return { outcome: "ignored", why: `review ${event.reviewId} already handled` };
  }

  let kept: { thread: ReviewThread; rootId: number }[];
  try {
    kept = await readUnresolvedThreads(octokit, repo, event.pull.number, async (login) => {
      if (login === original.request.issue.author || login === event.sender.login) return true;
      return canTriggerRuns(await getRole(octokit, repo, login));
    });
  } catch (error) {
    // Nothing was decided: a redelivery of the review may try again.
    deps.triggers.releaseTrigger(event.repo.id, event.pull.number, "review", String(event.reviewId));
    throw error;
  }
  const threads = kept.map((k) => k.thread);
  const review = event.kind === "review" ? { state: event.state, body: event.body } : null;
  if (threads.length === 0 && (review?.body.trim() ?? "") === "" && decision.instructions.trim() === "") {
    return { outcome: "ignored", why: "no unresolved thread and nothing in the review to address" };
  }

  const instructions = renderReviewTask({
    pullNumber: event.pull.number,
    reviewer: event.sender.login,
    review,
    threads,
    instructions: decision.instructions,
    originalInstructions: findOpeningRun(deps, original).request.instructions,
  });
  const reviewThreads: ReviewThreadRef[] = kept.map(({ thread, rootId }) => ({ commentId: rootId, path: thread.path, line: thread.line }));
  const { commentId: _comment, reviewThreads: _threads, ...request } = original.request;
  const outcome = await queueRun(createPullRequestControl(deps, octokit, event), {
    installationId: event.installationId,
    trigger: "review",
    requestedBy: event.sender.login,
    deliveryId: event.deliveryId,
    followUpOf: original.id,
    workBranch: original.workBranch,
    request: { ...request, instructions, conversationNumber: event.pull.number, reviewThreads },
  });
  deps.log.info({ delivery: event.deliveryId, why: decision.why, threads: threads.length, outcome: outcome.outcome }, "review admitted");
  return outcome;
}

/**
 * The unresolved threads, each with only the comments that may reach the agent (not bots',
 * not those of people without write access); a thread left with none is dropped. A reply
 * goes to the thread's first comment, whoever wrote it.
 */
async function readUnresolvedThreads(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  pullNumber: number,
  isTrusted: (login: string) => Promise<boolean>,
): Promise<{ thread: ReviewThread; rootId: number }[]> {
  const verdicts = new Map<string, Promise<boolean>>();
  const trusted = (login: string | null) => {
    if (login === null) return Promise.resolve(false);
    if (!verdicts.has(login)) verdicts.set(login, isTrusted(login));
    return verdicts.get(login)!;
  };
  const kept: { thread: ReviewThread; rootId: number }[] = [];
  for (const thread of await listReviewThreads(octokit, repo, pullNumber)) {
    const root = thread.comments[0];
    if (thread.isResolved || !root) continue;
    const comments = [];
    for (const comment of thread.comments) if (!comment.authorIsBot && (await trusted(comment.author))) comments.push(comment);
    if (comments.length > 0) kept.push({ thread: { ...thread, comments: comments.map((c) => ({ ...c, diffHunk: root.diffHunk })) }, rootId: root.id });
  }
  return kept;
}

/** Replies and acknowledgements of a pull request trigger go on the pull request's conversation. */
export function createPullRequestControl(
  deps: AdmitDependencies,
  octokit: GitHubClient,
  event: Pick<ReviewEvent, "deliveryId" | "installationId" | "sender" | "repo" | "pull">,
): ControlContext {
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const trigger: TriggerEvent = {
    kind: "comment",
    deliveryId: event.deliveryId,
    installationId: event.installationId,
    sender: event.sender,
    repo: event.repo,
    issue: { number: event.pull.number, title: event.pull.title, body: null, author: event.pull.author, htmlUrl: event.pull.htmlUrl, isPullRequest: true, milestone: null },
  };
  return {
    deps,
    octokit,
    event: trigger,
    reply: async (why, body) => {
      await createIssueComment(octokit, repo, event.pull.number, body);
      return { outcome: "replied", why };
    },
  };
}
