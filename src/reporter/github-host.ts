import type { Logger } from "probot";
import { deleteBranch } from "../github/branches.js";
import { hasStatus, type GitHubClient } from "../github/client.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { closePullRequest, createDraftPullRequest, findOpenPullRequest, markPullRequestReady, updatePullRequestBody } from "../github/pull-requests.js";
import type { RunStore } from "../store/run-store.js";
import type { RunHost } from "../worker/run-host.js";
import { createCoalescer } from "./coalesce.js";
import { sharedRedactor } from "../security/redactor.js";
import { renderDeliveredPullRequestBody, renderDraftPullRequestBody } from "./render-pull-request.js";
import { createRunReporter } from "./run-reporter.js";

/** The check run and the status comment are updated no more often than this. */
export const PROGRESS_INTERVAL_MS = 5_000;

/** The GitHub App's host: a draft PR, `Hamster` check runs and a status comment on the issue. */
export function createGitHubHost(deps: { octokit: GitHubClient; runs: RunStore; runId: number; log: Logger; progressIntervalMs?: number }): RunHost {
  const { octokit, runs, runId, log } = deps;
  const reporter = createRunReporter({ octokit, runs });
  const initial = runs.getRun(runId);
  const repo = { owner: initial.repoOwner, repo: initial.repoName };
  let checkHeadSha: string | undefined;
  let pullIsDraft = true;
  // Stage changes and live progress both go through here: the latest state wins, at most
  // one check-run update and one comment edit per interval.
  const live = createCoalescer(
    () => reporter.publish(runId),
    deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS,
    (error) => log.warn({ runId, err: error }, "could not publish progress"),
  );

  return {
    async getGitToken() {
      const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
      sharedRedactor.addSecret(token, { temporary: true });
      return token;
    },

    async getIssue(issueNumber) {
      try {
        const { data } = await octokit.rest.issues.get({ ...repo, issue_number: issueNumber });
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
      const isTrusted = async (author: string | undefined, type: string | undefined): Promise<boolean> => {
        if (!author || type === "Bot") return false;
        if (author === run.request.issue.author) return true;
        if (!trust.has(author)) trust.set(author, canTriggerRuns(await getRepoRole(octokit, repo, author)));
        return trust.get(author) ?? false;
      };
      const trusted: { author: string; body: string }[] = [];
      const conversations = [run.issueNumber];
      // A follow-up also reads its pull request: the conversation and the review comments.
      const pull = run.followUpOf !== null ? run.request.conversationNumber : undefined;
      if (pull !== undefined && pull !== run.issueNumber) conversations.push(pull);
      for (const issueNumber of conversations) {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
        for (const c of comments) {
          if (c.body && (await isTrusted(c.user?.login, c.user?.type))) trusted.push({ author: c.user!.login, body: c.body });
        }
      }
      if (pull !== undefined) {
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
      const pr =
        (await findOpenPullRequest(octokit, repo, run.workBranch!)) ??
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
    },

    async publish() {
      live.request();
    },

    progress() {
      live.request();
    },

    async deliver({ files, ready }) {
      const run = runs.getRun(runId);
      if (!run.prNumber) return;
      await updatePullRequestBody(octokit, repo, run.prNumber, renderDeliveredPullRequestBody(reporter.buildView(runId, files)));
      // A follow-up on a PR that is already out of draft must not ask again (GitHub refuses).
      if (ready && pullIsDraft && run.prNodeId) await markPullRequestReady(octokit, run.prNodeId);
    },

    async concluded({ files, headSha, workPushed, branchCreated }) {
      await live.cancel();
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
    },
  };
}
