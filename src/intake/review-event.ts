import type { RunRequest } from "../domain/run.js";
import { findHiddenRanges, isInRanges, normalizeLineEndings, parseMarkdown } from "../markdown/parse-markdown.js";
import { parseSlashCommand } from "./slash-command.js";

/** A review, or a review comment, on a pull request: parsed once into what intake needs. */
export interface ReviewEvent {
  readonly kind: "review" | "review_comment";
  readonly deliveryId: string;
  readonly installationId: number;
  readonly sender: { readonly id: number; readonly login: string; readonly isBot: boolean };
  readonly repo: RunRequest["repo"];
  readonly pull: { readonly number: number; readonly title: string; readonly htmlUrl: string; readonly headRef: string; readonly headSha: string; readonly author: string };
  /** The review the event belongs to: a review's comments and the review itself start one follow-up. */
  readonly reviewId: number;
  /** `changes_requested`, `commented`, `approved`; null for a review comment. */
  readonly state: string | null;
  /** The review's body, or the review comment's. */
  readonly body: string;
}

export type ParsedReviewEvent = { readonly kind: "review"; readonly event: ReviewEvent } | { readonly kind: "ignore"; readonly why: string };

interface Account {
  id?: number;
  login: string;
  type?: string;
}
export interface ReviewPayload {
  action: string;
  review?: { id: number; state: string; body: string | null };
  comment?: { id: number; body: string; pull_request_review_id: number | null };
  pull_request: { number: number; title: string; html_url: string; head: { ref: string; sha: string }; user: Account | null };
  repository: { id: number; name: string; owner: Account; clone_url: string; default_branch: string; html_url: string };
  sender: Account;
  installation?: { id: number };
}

/** What mentions the app can carry: its handle, or the `/deliver` command. */
const MENTION_HINT = /@|\/deliver/i;

/**
 * `pull_request_review.submitted` and `pull_request_review_comment.created`. A cheap first
 * look: whether the review requests changes or the text could mention the app is decided
 * later, with the app's handle (decideReviewTrigger).
 */
export function parseReviewEvent(name: string, deliveryId: string, payload: ReviewPayload): ParsedReviewEvent {
  if (!payload.installation) return { kind: "ignore", why: "event without an installation" };
  if (payload.sender.type === "Bot") return { kind: "ignore", why: `sender ${payload.sender.login} is a bot` };
  const isReview = name === "pull_request_review";
  const state = isReview ? (payload.review?.state ?? "").toLowerCase() : null;
  const body = (isReview ? payload.review?.body : payload.comment?.body) ?? "";
  const reviewId = isReview ? payload.review?.id : (payload.comment?.pull_request_review_id ?? payload.comment?.id);
  if (reviewId === undefined) return { kind: "ignore", why: "no review in the event" };
  if (state !== "changes_requested" && !MENTION_HINT.test(body)) return { kind: "ignore", why: "neither changes requested nor a mention" };
  const r = payload.repository;
  return {
    kind: "review",
    event: {
      kind: isReview ? "review" : "review_comment",
      deliveryId,
      installationId: payload.installation.id,
      sender: { id: payload.sender.id ?? 0, login: payload.sender.login, isBot: false },
      repo: { id: r.id, owner: r.owner.login, name: r.name, cloneUrl: r.clone_url, defaultBranch: r.default_branch, htmlUrl: r.html_url },
      pull: {
        number: payload.pull_request.number,
        title: payload.pull_request.title,
        htmlUrl: payload.pull_request.html_url,
        headRef: payload.pull_request.head.ref,
        headSha: payload.pull_request.head.sha,
        author: payload.pull_request.user?.login ?? "ghost",
      },
      reviewId,
      state,
      body,
    },
  };
}

export type ReviewDecision = { readonly action: "ignore"; readonly why: string } | { readonly action: "follow_up"; readonly why: string; readonly instructions: string };

/**
 * Pure: whether a review starts a follow-up. It does when it requests changes, or when its
 * text (outside code and quotes) mentions the app's handle or starts a line with `/deliver`;
 * the text after `/deliver` becomes extra instructions.
 */
export function decideReviewTrigger(event: ReviewEvent, appSlug: string): ReviewDecision {
  if (event.sender.isBot) return { action: "ignore", why: "bot" };
  const command = parseSlashCommand(event.body, { commands: ["deliver"] });
  const instructions = command.kind === "ok" && command.command.kind === "deliver" ? command.command.instructions : "";
  if (command.kind !== "none") return { action: "follow_up", why: "/deliver", instructions };
  if (appSlug !== "" && mentionsHandle(event.body, appSlug)) return { action: "follow_up", why: `@${appSlug}`, instructions: "" };
  if (event.state === "changes_requested") return { action: "follow_up", why: "changes requested", instructions: "" };
  return { action: "ignore", why: "neither changes requested nor a mention of the app" };
}

/** `@slug` as GitHub links it: not part of a longer name or an e-mail address, not in code or a quote. */
export function mentionsHandle(body: string, slug: string): boolean {
  const text = normalizeLineEndings(body);
  const escaped = slug.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(?<![\\w@/.-])@${escaped}(?![\\w-])`, "gi");
  const hidden = findHiddenRanges(parseMarkdown(text));
  for (const match of text.matchAll(pattern)) if (!isInRanges(match.index, hidden)) return true;
  return false;
}
