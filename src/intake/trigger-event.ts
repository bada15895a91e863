import { CHECK_RUN_NAME } from "../domain/check-run.js";
import type { RunRequest } from "../domain/run.js";

export const DELIVER_LABEL = "hamster:deliver";

/** A webhook event that might start a run, parsed once into the values intake needs. */
export interface TriggerEvent {
  readonly kind: "label" | "comment";
  readonly deliveryId: string;
  readonly installationId: number;
  readonly sender: { readonly id: number; readonly login: string; readonly isBot: boolean };
  readonly repo: RunRequest["repo"];
  readonly issue: RunRequest["issue"] & {
    readonly isPullRequest: boolean;
    /** How many sub-issues GitHub counts for it (0 where it has none, or no sub-issues at all): a brief has some. */
    readonly subIssues?: number;
    readonly milestone: { readonly title: string; readonly description: string | null } | null;
  };
  /** The comment, for `/deliver`. */
  readonly comment?: { readonly id: number; readonly body: string };
}

export type ParsedEvent = { readonly kind: "trigger"; readonly event: TriggerEvent } | { readonly kind: "ignore"; readonly why: string };

interface Account {
  id?: number;
  login: string;
  type?: string;
}
interface IssueLike {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  user: Account | null;
  pull_request?: unknown;
  milestone?: { title: string; description?: string | null } | null;
  sub_issues_summary?: { total: number } | null;
}
interface RepositoryLike {
  id: number;
  name: string;
  owner: Account;
  clone_url: string;
  default_branch: string;
  html_url: string;
}
export interface LabeledPayload {
  action: string;
  label?: { name: string };
  issue: IssueLike;
  repository: RepositoryLike;
  sender: Account;
  installation?: { id: number };
}
export interface CommentPayload {
  action: string;
  comment: { id: number; body: string };
  issue: IssueLike;
  repository: RepositoryLike;
  sender: Account;
  installation?: { id: number };
}

function parseCommon(deliveryId: string, payload: LabeledPayload | CommentPayload) {
  return {
    deliveryId,
    installationId: payload.installation?.id ?? 0,
    sender: { id: payload.sender.id ?? 0, login: payload.sender.login, isBot: payload.sender.type === "Bot" },
    repo: {
      id: payload.repository.id,
      owner: payload.repository.owner.login,
      name: payload.repository.name,
      cloneUrl: payload.repository.clone_url,
      defaultBranch: payload.repository.default_branch,
      htmlUrl: payload.repository.html_url,
    },
    issue: {
      number: payload.issue.number,
      title: payload.issue.title,
      body: payload.issue.body ?? null,
      author: payload.issue.user?.login ?? "ghost",
      htmlUrl: payload.issue.html_url,
      isPullRequest: payload.issue.pull_request !== undefined && payload.issue.pull_request !== null,
      milestone: payload.issue.milestone ? { title: payload.issue.milestone.title, description: payload.issue.milestone.description ?? null } : null,
      ...(payload.issue.sub_issues_summary ? { subIssues: payload.issue.sub_issues_summary.total } : {}),
    },
  };
}

export function parseLabeledEvent(deliveryId: string, payload: LabeledPayload): ParsedEvent {
  if (payload.label?.name !== DELIVER_LABEL) return { kind: "ignore", why: `label ${payload.label?.name ?? "(none)"} is not ours` };
  if (!payload.installation) return { kind: "ignore", why: "event without an installation" };
  return { kind: "trigger", event: { kind: "label", ...parseCommon(deliveryId, payload) } };
}

export function parseCommentEvent(deliveryId: string, payload: CommentPayload): ParsedEvent {
  // Cheap pre-check before any parsing: most comments are not commands.
  if (!/\/(deliver|cancel|retry|runs|hamster)\b/.test(payload.comment.body)) return { kind: "ignore", why: "no command in the comment" };
  if (!payload.installation) return { kind: "ignore", why: "event without an installation" };
  return {
    kind: "trigger",
    event: { kind: "comment", comment: { id: payload.comment.id, body: payload.comment.body }, ...parseCommon(deliveryId, payload) },
  };
}

/** A click on the check run's button, or GitHub's "Re-run" of it. */
export interface CheckRunEvent {
  readonly deliveryId: string;
  readonly installationId: number;
  readonly sender: { readonly id: number; readonly login: string; readonly isBot: boolean };
  readonly repoId: number;
  readonly action: "cancel" | "retry";
  /** The run the check run belongs to (its external id). */
  readonly runId: number;
}

export interface CheckRunPayload {
  action: string;
  requested_action?: { identifier: string };
  check_run: { external_id: string | null; name: string; app?: { id: number } | null };
  repository: { id: number };
  sender: Account;
  installation?: { id: number };
}

export function parseCheckRunEvent(deliveryId: string, payload: CheckRunPayload): CheckRunEvent | { kind: "ignore"; why: string } {
  if (!payload.installation) return { kind: "ignore", why: "event without an installation" };
  // GitHub sends these two actions only to the app that created the check run; the name
  // and the run id (checked against the database later) make sure it is one of ours.
  if (payload.check_run.name !== CHECK_RUN_NAME) return { kind: "ignore", why: "not a Hamster check run" };
  const runId = Number(payload.check_run.external_id);
  if (!Number.isSafeInteger(runId) || runId <= 0) return { kind: "ignore", why: "check run without a run id" };
  let action: "cancel" | "retry";
  if (payload.action === "rerequested") action = "retry";
  else if (payload.action === "requested_action" && (payload.requested_action?.identifier === "cancel" || payload.requested_action?.identifier === "retry")) {
    action = payload.requested_action.identifier;
  } else return { kind: "ignore", why: `check_run.${payload.action} is not a button of ours` };
  return {
    deliveryId,
    installationId: payload.installation.id,
    sender: { id: payload.sender.id ?? 0, login: payload.sender.login, isBot: payload.sender.type === "Bot" },
    repoId: payload.repository.id,
    action,
    runId,
  };
}
