import type { Context, Probot } from "probot";
import { CONFIG_FILE_NAME } from "../config/repo-config.js";
import { admitCiEvent } from "../intake/admit-ci.js";
import { admitReview } from "../intake/admit-review.js";
import { admitTrigger } from "../intake/admit-trigger.js";
import { parseIssueClosed, parsePullRequestClosed, type IssueClosedPayload, type PullRequestClosedPayload } from "../intake/brief/brief-events.js";
import type { BriefCoordinator } from "../intake/brief/brief-coordinator.js";
import { parseCiEvent, type CiEvent, type CiPayload } from "../intake/ci-event.js";
import { handleCheckRunEvent } from "../intake/control-runs.js";
import { cancelInstallationRuns, ensureDeliverLabels, parseInstallationEvent, type InstallationPayload } from "../intake/installation-events.js";
import type { AdmitDependencies } from "../intake/queue-run.js";
import { parseReviewEvent, type ReviewPayload } from "../intake/review-event.js";
import {
  parseCheckRunEvent,
  parseCommentEvent,
  parseLabeledEvent,
  type CheckRunPayload,
  type CommentPayload,
  type LabeledPayload,
  type ParsedEvent,
} from "../intake/trigger-event.js";
import type { Worker } from "../lifecycle/worker.js";
import type { RunStore } from "../store/run-store.js";
import type { AdmissionQueue } from "./admission-queue.js";
import type { ExecutorWiring } from "./wire-executors.js";
import type { GitHubAccess } from "./github-access.js";
import type { AppStores } from "./open-stores.js";

export interface WebhookDeps {
  readonly stores: AppStores;
  readonly admit: AdmitDependencies;
  readonly worker: Pick<Worker, "abort">;
  readonly briefCoordinator: BriefCoordinator;
  readonly github: Pick<GitHubAccess, "clientOf" | "getIdentity">;
  readonly admissions: AdmissionQueue;
  /** Keeps background work counted, so idle() and a drain wait for it. */
  track(work: Promise<unknown>): void;
  noteWorkflowRunCompleted: ExecutorWiring["noteWorkflowRunCompleted"];
}

/**
 * Every webhook the app listens to. Each handler answers at once: it parses the delivery,
 * drops what is not Hamster's business from the database alone, records the delivery (a
 * redelivery is ignored), and leaves the GitHub calls to admission, after the burst.
 */
export function registerWebhooks(app: Probot, deps: WebhookDeps): void {
  // Every delivery counts, relevant or not: answering it competes with admissions all the same.
  app.onAny(() => deps.admissions.noteActivity());
  registerTriggers(app, deps);
  registerCheckRunActions(app, deps);
  registerCiResults(app, deps);
  registerReviews(app, deps);
  registerInstallationChanges(app, deps);
  registerBriefProgress(app, deps);
  registerWorkflowRunEnds(app, deps);
}

/** A label or a slash command: the trigger is admitted without the webhook waiting for it. */
function registerTriggers(app: Probot, deps: WebhookDeps): void {
  const receive = (context: Context, parsed: ParsedEvent) => {
    if (parsed.kind === "ignore") return;
    if (!deps.stores.deliveries.recordDelivery(context.id, context.name)) {
      context.log.info({ delivery: context.id }, "redelivered webhook ignored");
      return;
    }
    deps.admissions.admitAfterBurst(context, "could not admit the trigger", () =>
      admitTrigger(deps.admit, deps.github.clientOf(context), parsed.event, () => context.config(CONFIG_FILE_NAME)),
    );
  };
  app.on("issues.labeled", (context) => receive(context, parseLabeledEvent(context.id, context.payload as LabeledPayload)));
  app.on("issue_comment.created", (context) => receive(context, parseCommentEvent(context.id, context.payload as CommentPayload)));
}

/** The buttons on Hamster's check run, and a re-run asked for from GitHub's checks page. */
function registerCheckRunActions(app: Probot, deps: WebhookDeps): void {
  app.on(["check_run.requested_action", "check_run.rerequested"], (context) => {
    const parsed = parseCheckRunEvent(context.id, context.payload as unknown as CheckRunPayload);
    if ("kind" in parsed) return;
    if (!deps.stores.deliveries.recordDelivery(context.id, context.name)) return;
    deps.admissions.admitAfterBurst(context, "could not handle the check run event", () =>
      handleCheckRunEvent(deps.admit, deps.github.clientOf(context), parsed),
    );
  });
}

/** The repository's own checks finished on a commit: on a Hamster pull request's head, failing ones start a fix. */
function registerCiResults(app: Probot, deps: WebhookDeps): void {
  const { stores } = deps;
  app.on(["check_run.completed", "check_suite.completed", "workflow_run.completed"], (context) => {
    const parsed = parseCiEvent(context.name, context.id, context.payload as unknown as CiPayload);
    if (parsed.kind === "ignore") return;
    const { event } = parsed;
    if (!isHamsterCommit(stores.runs, event)) return;
    if (!stores.deliveries.recordDelivery(context.id, context.name)) return;
    deps.admissions.admitAfterBurst(context, "could not look at the checks", async () => {
      const { id: ownAppId } = await deps.github.getIdentity();
      // The Hamster check run's own end is not the repository's CI.
      if (event.appId === ownAppId) return;
      const ci = { deps: { ...deps.admit, triggers: stores.triggers }, octokit: deps.github.clientOf(context), ownAppId, readRepoConfig: () => context.config(CONFIG_FILE_NAME) };
      await admitCiEvent(ci, event);
    });
  });
}

/** Most commits are not a Hamster pull request's: decided from the database, before any call. */
function isHamsterCommit(runs: RunStore, event: CiEvent): boolean {
  return (
    event.pullNumbers.some((n) => runs.findRunForPullRequest(event.repo.id, n)?.workBranch) ||
    (event.headBranch !== null && runs.findRunForWorkBranch(event.repo.id, event.headBranch) !== undefined)
  );
}

/** A review on a Hamster pull request that requests changes or mentions the app: a follow-up on its threads. */
function registerReviews(app: Probot, deps: WebhookDeps): void {
  app.on(["pull_request_review.submitted", "pull_request_review_comment.created"], (context) => {
    const parsed = parseReviewEvent(context.name, context.id, context.payload as unknown as ReviewPayload);
    if (parsed.kind === "ignore") return;
    if (!deps.stores.deliveries.recordDelivery(context.id, context.name)) return;
    deps.admissions.admitAfterBurst(context, "could not admit the review", async () =>
      admitReview({ ...deps.admit, triggers: deps.stores.triggers }, deps.github.clientOf(context), parsed.event, (await deps.github.getIdentity()).slug),
    );
  });
}

/**
 * Installed, or given more repositories: each gets the label, through the installation's write limiter.
 * Uninstalled or suspended: no token any more, so its runs stop here, with the reason.
 */
function registerInstallationChanges(app: Probot, deps: WebhookDeps): void {
  app.on(["installation.created", "installation.deleted", "installation.suspend", "installation_repositories.added"], (context) => {
    const event = parseInstallationEvent(context.name, context.payload as unknown as InstallationPayload);
    if (event.kind === "ignore") return;
    if (!deps.stores.deliveries.recordDelivery(context.id, context.name)) return;
    if (event.kind === "removed") {
      cancelInstallationRuns({ runs: deps.stores.runs, log: app.log, abort: deps.worker.abort }, event);
      return;
    }
    // Not through the admission queue: a large installation's labels take a while, and admissions must not wait behind them.
    const octokit = deps.github.clientOf(context);
    deps.track(ensureDeliverLabels(octokit, event.repositories, app.log).catch((error: unknown) => context.log.error({ err: error }, "could not create the labels")));
  });
}

/** A brief's task is done when its pull request merged, or its issue was closed as completed: what it unblocks starts. */
function registerBriefProgress(app: Probot, deps: WebhookDeps): void {
  const { stores, briefCoordinator } = deps;
  app.on("pull_request.closed", (context) => {
    const closed = parsePullRequestClosed(context.payload as unknown as PullRequestClosedPayload);
    if (!closed || stores.briefs.findTasksByPullRequest(closed.repoId, closed.number).length === 0) return;
    if (!stores.deliveries.recordDelivery(context.id, context.name)) return;
    deps.admissions.admitAfterBurst(context, "could not move the brief on", () => briefCoordinator.notePullRequestClosed(closed));
  });
  app.on("issues.closed", (context) => {
    const closed = parseIssueClosed(context.payload as unknown as IssueClosedPayload);
    if (!closed || stores.briefs.findTasksByIssue(closed.owner, closed.repo, closed.number).length === 0) return;
    if (!stores.deliveries.recordDelivery(context.id, context.name)) return;
    deps.admissions.admitAfterBurst(context, "could not move the brief on", () => briefCoordinator.noteIssueClosed(closed));
  });
}

/** A Hamster job on Actions that died or was cancelled in the Actions UI ends its run now, not at the heartbeat timeout. */
function registerWorkflowRunEnds(app: Probot, deps: WebhookDeps): void {
  app.on("workflow_run.completed", (context) => {
    const { id, conclusion, html_url: htmlUrl } = context.payload.workflow_run;
    deps.noteWorkflowRunCompleted({ id, conclusion, htmlUrl });
  });
}
