import type { Logger } from "probot";
import { deleteBranch } from "../github/branches.js";
import { hasStatus, type GitHubClient, type RepoRef } from "../github/client.js";
import { findIssueRepository } from "../domain/run.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { replyInReviewThread } from "../github/review-threads.js";
import { closePullRequest, createDraftPullRequest, findOpenPullRequest, markPullRequestReady, updatePullRequestBody } from "../github/pull-requests.js";
import type { RunEventStore } from "../store/run-event-store.js";
import type { RunStore } from "../store/run-store.js";
import type { RunHost } from "../lifecycle/run-host.js";
import { createCoalescer } from "./coalesce.js";
import { sharedRedactor } from "../security/redactor.js";
import { renderDeliveredPullRequestBody, renderDraftPullRequestBody } from "./render-pull-request.js";
import { createRunReporter } from "./run-reporter.js";
import { renderThreadReply } from "./render-thread-reply.js";

/** The check run and the status comment are updated no more often than this. */
export const PROGRESS_INTERVAL_MS = 5_000;

/** The GitHub App's host: a draft PR, `Hamster` check runs and a status comment on the issue. */
export function createGitHubHost(deps: {
  octokit: GitHubClient;
  runs: RunStore;
  events?: RunEventStore;
  runId: number;
  log: Logger;
  progressIntervalMs?: number;
  /** The run's page in the web console, when it is on. */
  runPageUrl?: (runId: number) => string | undefined;
}): RunHost {
  const { octokit, runs, runId, log } = deps;
  const reporter = createRunReporter({ octokit, runs, ...(deps.events ? { events: deps.events } : {}), ...(deps.runPageUrl ? { runPageUrl: deps.runPageUrl } : {}) });
  const initial = runs.getRun(runId);
  const repo = { owner: initial.repoOwner, repo: initial.repoName };
  // Where the task's issue is: another repository when the code is not in its own (`repo=`).
  const issueRepository = findIssueRepository(initial.request);
  const issueRepo = { owner: issueRepository.owner, repo: issueRepository.name };
  let checkHeadSha: string | undefined;
  let pullIsDraft = true;
  const onError = (error: unknown) => log.warn({ runId, err: error }, "could not publish progress");
  const interval = deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const startedAt = Date.now();
  // The check run shows stages and live progress: the latest state wins, and the spacing grows
  // with the run's age (a third of it), so a long run costs GitHub calls in proportion to its
  // log, not its length.
  const checkRun = createCoalescer(() => reporter.publishCheckRun(runId), () => Math.max(interval, (Date.now() - startedAt) / 3), onError);
  // The status comment follows the stages only (no live line), at a slower pace.
  const comment = createCoalescer(() => reporter.publishStatusComment(runId), interval * 4, onError);

  return {
    async getGitToken() {
      const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
      sharedRedactor.addSecret(token, { temporary: true });
      return token;
    },

    async getIssue(issueNumber) {
      try {
        // The brief and the issues a task links are its issue's repository's.
        const { data } = await octokit.rest.issues.get({ ...issueRepo, issue_number: issueNumber });
        return { title: data.title, body: data.body ?? null };
      } catch (error) {
        if (hasStatus(error, 404) || hasStatus(error, 410)) return null;
        throw error;
      }
    },

    async getTaskComments() {
      const run = runs.getRun(runId);
      const trust = new Map<string, boolean>();
      // Others' comments never reach the agent: anyone can comment on a public issue.
      // Trusted where they wrote: on the issue, by the issue's repository; on the pull request, by the code's.
      const isTrusted = async (author: string | undefined, type: string | undefined, where: RepoRef = repo): Promise<boolean> => {
        if (!author || type === "Bot") return false;
        if (author === run.request.issue.author) return true;
        const key = `${where.owner}/${where.repo}:${author}`;
        if (!trust.has(key)) trust.set(key, canTriggerRuns(await getRepoRole(octokit, where, author)));
        return trust.get(key) ?? false;
      };
      const trusted: { author: string; body: string }[] = [];
      const conversations = [{ number: run.issueNumber, where: issueRepo }];
      // A follow-up also reads its pull request: the conversation and the review comments.
      const pull = run.followUpOf !== null ? run.request.conversationNumber : undefined;
      if (pull !== undefined && (pull !== run.issueNumber || run.request.issueRepo !== undefined)) conversations.push({ number: pull, where: repo });
      for (const { number: issueNumber, where } of conversations) {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...where, issue_number: issueNumber, per_page: 100 });
        for (const c of comments) {
          if (c.body && (await isTrusted(c.user?.login, c.user?.type, where))) trusted.push({ author: c.user!.login, body: c.body });
        }
      }
      // A follow-up on a review has its unresolved threads in its instructions; resolved ones are settled.
      if (pull !== undefined && run.request.reviewThreads === undefined) {
        const reviews = await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: pull, per_page: 100 });
        for (const c of reviews) {
          if (c.body && (await isTrusted(c.user?.login, c.user?.type))) {
            trusted.push({ author: c.user!.login, body: `Review comment on \`${c.path}${c.line ? `:${c.line}` : ""}\`:\n\n${c.body}` });
          }
        }
      }
      return trusted;
    },

    async opened(prepared) {
      const run = runs.getRun(runId);
      // A branch created just now cannot have a pull request yet: no need to ask.
      const pr =
        (prepared.branchCreated ? null : await findOpenPullRequest(octokit, repo, run.workBranch!)) ??
        (await createDraftPullRequest(octokit, repo, {
          head: run.workBranch!,
          base: run.request.targetBranch,
          title: run.request.issue.title,
          body: renderDraftPullRequestBody(reporter.buildView(runId)),
        }));
      pullIsDraft = pr.draft;
      runs.updateRun(runId, { prNumber: pr.number, prNodeId: pr.nodeId });
      // A resumed run keeps its check run; a new run (or a retry) starts its own.
      if (run.checkRunId) await reporter.publishCheckRun(runId);
      else await reporter.startCheckRun(runId, prepared.headSha);
      checkHeadSha = prepared.headSha;
      // The links to the PR and the check run are what the status comment waited for.
      comment.request();
    },

    async publish() {
      checkRun.request();
      // Until the PR is open the comment says "queued" and nothing newer is worth an edit:
      // its first edit then carries the links (a run that ends before gets its final one).
      if (runs.getRun(runId).prNumber !== null) comment.request();
    },

    progress() {
      checkRun.request();
    },

    async deliver({ files, ready }) {
      const run = runs.getRun(runId);
      if (!run.prNumber) return;
      await updatePullRequestBody(octokit, repo, run.prNumber, renderDeliveredPullRequestBody(reporter.buildView(runId, files)));
      // A follow-up on a PR that is already out of draft must not ask again (GitHub refuses).
      if (ready && pullIsDraft && run.prNodeId) await markPullRequestReady(octokit, run.prNodeId);
    },

    async concluded({ files, headSha, workPushed, branchCreated, runFiles }) {
      await Promise.all([checkRun.cancel(), comment.cancel()]);
      const run = runs.getRun(runId);
      // Each step on its own: one failing must not keep the others from tidying up.
      const attempt = async (what: string, action: () => Promise<unknown>) => {
        try {
          await action();
        } catch (error) {
          log.error({ runId, err: error }, `could not ${what}`);
        }
      };
      if (run.checkRunId) {
        // The first check run ends with the run; new work gets its own on the new head.
        await attempt("conclude the check run", () => reporter.publishCheckRun(runId, files));
        if (headSha && checkHeadSha && headSha !== checkHeadSha) {
          await attempt("create the final check run", () => reporter.startCheckRun(runId, headSha, files));
        }
      } else if (headSha) {
        await attempt("create the check run", () => reporter.startCheckRun(runId, headSha, files));
      }
      // A draft PR that the run opened and left without any work is closed, its branch deleted.
      if (run.state !== "succeeded" && run.prNumber && branchCreated && !workPushed && run.workBranch) {
        await attempt("close the empty pull request", () => closePullRequest(octokit, repo, run.prNumber!));
        await attempt("delete the empty branch", () => deleteBranch(octokit, repo, run.workBranch!));
      }
      await attempt("update the status comment", () => reporter.publishStatusComment(runId, files));
      // A follow-up on a review answers in each thread it addressed; resolving them is left to the reviewer.
      const ended = runs.getRun(runId);
      if (ended.state === "succeeded" && ended.prNumber && headSha) {
        for (const thread of ended.request.reviewThreads ?? []) {
          await attempt("reply in a review thread", () =>
            replyInReviewThread(octokit, repo, {
              pullNumber: ended.prNumber!,
              commentId: thread.commentId,
              path: thread.path,
              commitId: headSha,
              body: renderThreadReply({ run: ended, thread, files: runFiles ?? files, headSha }),
            }),
          );
        }
      }
    },
  };
}
