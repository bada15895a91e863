import type { RunEvent } from "../domain/run-event.js";
import { isFinalState, type RunState } from "../domain/run-state.js";
import type { CriterionStatus, Run, RunTransition } from "../domain/run.js";
import { formatCost, formatCount, formatDuration, NOT_REPORTED } from "../reporter/format.js";
import { isPastImplementing, renderCheckActions, renderUsageLine } from "../reporter/render-check-run.js";
import { renderEnding } from "../reporter/render-event-log.js";
import { renderRunPagePath } from "../reporter/run-page-link.js";
import { checkRunUrl, pullRequestUrl } from "../reporter/run-reporter.js";
import { buildStageTimeline, renderStageName, type StageStatus } from "../reporter/stage-timeline.js";
import type { RunDiffSummary } from "../store/run-diff-store.js";
import type { RunEventTotals, StoredRunEvent } from "../store/run-event-store.js";
import { defineView, safeHref, trustHtml, type TrustedHtml } from "./console-view.js";
import { formatWhen } from "./runs-list.js";
import { buildTranscript, type TranscriptToolCall, type TranscriptTurn } from "./run-transcript.js";
import {
  COMMAND_TEMPLATE,
  RUN_EVIDENCE_TEMPLATE,
  RUN_HEAD_TEMPLATE,
  RUN_LINKS_TEMPLATE,
  RUN_NOW_TEMPLATE,
  RUN_OUTCOME_TEMPLATE,
  RUN_PAGE_TEMPLATE,
  RUN_PLAN_TEMPLATE,
  RUN_TIMELINE_TEMPLATE,
  RUN_USAGE_TEMPLATE,
  RUN_VERIFICATION_TEMPLATE,
  TOOL_CALL_TEMPLATE,
  TURN_TEMPLATE,
} from "./templates/run-page.js";

/**
 * The run page, rendered from the run's rows and its event log: pure functions, the same for
 * the first render and for each live update.
 */

/** What the run page shows of a run, besides its event log. */
export interface RunPageState {
  readonly run: Run;
  readonly transitions: readonly RunTransition[];
  readonly totals: RunEventTotals;
  /** The diff of the work pushed so far, when there is one. */
  readonly diff: RunDiffSummary | undefined;
  readonly now: Date;
}

/** The parts of the page a live update replaces whole, by element id. */
export const RUN_PARTS = ["run-head", "run-links", "run-timeline", "run-now", "run-outcome", "run-usage", "run-plan", "run-evidence", "run-verification"] as const;
export type RunPartId = (typeof RUN_PARTS)[number];

/** The run page's address (the one GitHub links to); the events stream, the diff and the controls are under it. */
export const renderRunPath = renderRunPagePath;

const TRIGGERS: Record<Run["trigger"], string> = {
  label: "label",
  comment: "/deliver",
  retry: "retry",
  follow_up: "follow-up",
  local: "hamster run",
  review: "review",
  ci: "failing CI",
};

function describeState(run: Run): string {
  if (run.state === "succeeded" && run.conclusion === "neutral") return "delivered, not fully verified";
  if (run.state === "succeeded") return "delivered";
  return run.state.replace(/_/g, " ");
}

const headView = defineView<ReturnType<typeof buildHead>>("run-head", RUN_HEAD_TEMPLATE);
function buildHead(state: RunPageState) {
  const { run, now } = state;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : isFinalState(run.state) ? Date.parse(run.updatedAt) : now.getTime();
  return {
    id: run.id,
    state: run.state,
    stateLabel: describeState(run),
    repo: `${run.repoOwner}/${run.repoName}`,
    issueNumber: run.issueNumber,
    issueTitle: run.request.issue.title,
    issueHref: safeHref(run.request.issue.htmlUrl),
    requestedBy: run.requestedBy,
    trigger: TRIGGERS[run.trigger],
    createdAt: run.createdAt,
    when: formatWhen(run.createdAt),
    duration: formatDuration(end - Date.parse(run.createdAt)),
    baseBranch: run.request.baseBranch,
    targetBranch: run.request.targetBranch,
    agent: run.request.agent,
    model: run.request.model,
    executor: run.request.settings?.executor ?? null,
  };
}

interface Link {
  readonly kind: string;
  readonly label: string;
  readonly href: string;
  readonly external: boolean;
}

const linksView = defineView<{ links: readonly Link[] }>("run-links", RUN_LINKS_TEMPLATE);
function buildLinks(state: RunPageState): Link[] {
  const { run, diff } = state;
  const links: Link[] = [];
  const external = (kind: string, label: string, url: string | null | undefined) => {
    const href = safeHref(url);
    if (href) links.push({ kind, label, href, external: true });
  };
  external("issue", `Issue #${run.issueNumber}`, run.request.issue.htmlUrl);
  if (run.prNumber) external("pull-request", `Pull request #${run.prNumber}`, pullRequestUrl(run));
  external("check-run", "Check run", checkRunUrl(run));
  if (diff) {
    const files = `${diff.files} file${diff.files === 1 ? "" : "s"}`;
    links.push({ kind: "diff", label: `Diff: ${files}${diff.truncated ? " (cut: too long to keep whole)" : ""}`, href: `${renderRunPath(run.id)}/diff`, external: false });
  }
  if (run.followUpOf !== null) links.push({ kind: "follow-up-of", label: `Follows run #${run.followUpOf}`, href: renderRunPath(run.followUpOf), external: false });
  return links;
}

/**
 * A stage's mark on the page: plain symbols every font has (the check run's emoji are not in
 * every browser's fonts); its colour comes from the style sheet.
 */
const STAGE_MARKS: Record<StageStatus, string> = { pending: "○", running: "●", done: "✓", failed: "✗", skipped: "–" };

const timelineView = defineView<{ stages: ReturnType<typeof buildTimeline> }>("run-timeline", RUN_TIMELINE_TEMPLATE);
function buildTimeline(state: RunPageState) {
  return buildStageTimeline(state.transitions, state.now).map((stage) => ({
    stage: stage.stage,
    status: stage.status,
    icon: STAGE_MARKS[stage.status],
    name: renderStageName(stage.stage),
    duration: stage.durationMs === null ? null : formatDuration(stage.durationMs),
    detail: stage.detail,
  }));
}

const nowView = defineView<{ progress: string | null }>("run-now", RUN_NOW_TEMPLATE);

const outcomeView = defineView<{ reason: string | null; reasonHeading: string; summary: string | null; context: readonly string[] }>("run-outcome", RUN_OUTCOME_TEMPLATE);
function buildOutcome(run: Run) {
  const stopped = run.state === "failed" || run.state === "cancelled" || run.state === "timed_out";
  return {
    reason: stopped ? run.reason : null,
    reasonHeading: run.state === "failed" ? "Why it failed" : "Why it stopped",
    summary: run.summary,
    context: [...(run.briefSource ? [`Brief: ${run.briefSource}`] : []), ...run.notes],
  };
}

const usageView = defineView<{ usageLine: string; callsLine: string }>("run-usage", RUN_USAGE_TEMPLATE);
function buildUsage(state: RunPageState) {
  const { run, totals } = state;
  const calls = `${formatCount(totals.modelCalls)} model call${totals.modelCalls === 1 ? "" : "s"}`;
  const tools = `${formatCount(totals.toolCalls)} tool call${totals.toolCalls === 1 ? "" : "s"}${totals.toolErrors > 0 ? ` (${formatCount(totals.toolErrors)} failed)` : ""}`;
  return { usageLine: renderUsageLine({ run }), callsLine: `${calls} · ${tools}` };
}

const planView = defineView<{ steps: readonly string[]; done: boolean }>("run-plan", RUN_PLAN_TEMPLATE);

const CRITERION_LABELS: Record<CriterionStatus, string> = { met: "✓ met", not_met: "✗ not met", unverified: "? unverified" };

interface CriterionRow {
  readonly index: number;
  readonly criterion: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly command: string | null;
  readonly result: string | null;
  readonly file: string | null;
  readonly note: string | null;
}
const evidenceView = defineView<{ report: boolean; criteria: readonly CriterionRow[]; formatError: string | null }>("run-evidence", RUN_EVIDENCE_TEMPLATE);
function buildEvidence(run: Run) {
  const criteria: CriterionRow[] = (run.report?.criteria ?? []).map((c) => ({
    index: c.index,
    criterion: c.criterion,
    status: c.status,
    statusLabel: CRITERION_LABELS[c.status],
    command: c.evidence?.kind === "command" ? c.evidence.command : null,
    result: c.evidence?.kind === "command" ? c.evidence.result : null,
    file: c.evidence?.kind === "file" ? `${c.evidence.path}:${c.evidence.line}` : null,
    note: c.note ?? null,
  }));
  return { report: run.report !== null, criteria, formatError: run.report?.formatError ?? null };
}

const verificationView = defineView<{ verification: Run["verification"]; result: string }>("run-verification", RUN_VERIFICATION_TEMPLATE);
function buildVerification(run: Run) {
  const v = run.verification;
  if (!v) return { verification: null, result: "" };
  const result = v.passed ? "✓ passed" : `✗ failed (${v.exitCode === null ? "killed" : `exit code ${v.exitCode}`})`;
  const fixes = v.runs > 1 ? ` after ${v.runs - 1} fix attempt${v.runs > 2 ? "s" : ""}` : "";
  return { verification: v, result: `${result}${fixes}` };
}

/** Every live part of the page, as HTML, by element id. */
export function renderRunParts(state: RunPageState): Record<RunPartId, string> {
  const { run } = state;
  return {
    "run-head": headView.render(buildHead(state)),
    "run-links": linksView.render({ links: buildLinks(state) }),
    "run-timeline": timelineView.render({ stages: buildTimeline(state) }),
    "run-now": nowView.render({ progress: isFinalState(run.state) || run.state === "queued" ? null : run.progress }),
    "run-outcome": outcomeView.render(buildOutcome(run)),
    "run-usage": usageView.render(buildUsage(state)),
    "run-plan": planView.render({ steps: run.plan ?? [], done: isPastImplementing(state) }),
    "run-evidence": evidenceView.render(buildEvidence(run)),
    "run-verification": verificationView.render(buildVerification(run)),
  };
}

/** The controls a run offers now: the check run's own buttons (Cancel while it runs, Retry after it failed or stopped). */
export function listRunActions(run: Pick<Run, "state">): ("cancel" | "retry")[] {
  return renderCheckActions(run).map((action) => action.identifier);
}

const toolCallView = defineView<ReturnType<typeof buildToolCall>>("tool-call", TOOL_CALL_TEMPLATE);
function buildToolCall(tool: TranscriptToolCall) {
  const e = tool.event;
  return {
    id: tool.id,
    tool: e.tool,
    summary: e.summary,
    outcome: e.outcome,
    outcomeLabel: e.outcome === "unknown" ? "outcome unknown" : e.outcome,
    detail: e.detail ?? null,
    duration: e.durationMs === undefined ? null : formatDuration(e.durationMs),
  };
}

export function renderToolCall(tool: TranscriptToolCall): string {
  return toolCallView.render(buildToolCall(tool));
}

const turnView = defineView<ReturnType<typeof buildTurn>>("turn", TURN_TEMPLATE);
function buildTurn(turn: TranscriptTurn, tools: TrustedHtml) {
  const call = turn.call;
  const u = call?.usage ?? null;
  return {
    key: turn.key,
    attempt: turn.attempt,
    turn: turn.turn,
    callId: turn.callId,
    call,
    tokens: u === null ? `tokens ${NOT_REPORTED}` : `${formatCount(u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens)} in / ${formatCount(u.outputTokens)} out tokens`,
    cost: formatCost(call?.costUsd ?? null),
    duration: call?.durationMs === undefined ? null : formatDuration(call.durationMs),
    tools,
  };
}

/** One turn with its tool calls (none: a live model call, whose tool calls follow one by one). */
export function renderTurn(turn: TranscriptTurn): string {
  return turnView.render(buildTurn(turn, trustHtml(turn.tools.map(renderToolCall).join(""))));
}

const commandView = defineView<ReturnType<typeof buildCommand>>("command", COMMAND_TEMPLATE);
type CommandEvent = Extract<RunEvent, { kind: "command" }>;
function buildCommand(id: number, event: CommandEvent) {
  return {
    id,
    ok: event.exitCode === 0 && (event.ending === undefined || event.ending === "exited"),
    purpose: event.purpose,
    command: event.command,
    ending: renderEnding(event),
    duration: formatDuration(event.durationMs),
    outputTail: event.outputTail,
  };
}

/** A setup or test command the run ran, with the end of its output. */
export function renderCommand(id: number, event: CommandEvent): string {
  return commandView.render(buildCommand(id, event));
}

export interface RunPageViewer {
  readonly csrf: string;
  /** The viewer may cancel and retry (write access to the repository). */
  readonly canControl: boolean;
}

export interface RunPageData {
  readonly runId: number;
  readonly state: RunState;
  readonly final: boolean;
  readonly actions: string;
  readonly eventsUrl: string;
  readonly controlBase: string;
  readonly lastEventId: number;
  readonly parts: Record<RunPartId, TrustedHtml>;
  readonly canControl: boolean;
  readonly csrf: string;
  readonly transcript: TrustedHtml;
  readonly transcriptEmpty: boolean;
  readonly commands: TrustedHtml;
  readonly commandsEmpty: boolean;
}

export const runPageView = defineView<RunPageData>("run-page", RUN_PAGE_TEMPLATE);

/** The page's data: its live parts, its transcript and commands from `events` (the whole log), and the viewer's controls. */
export function buildRunPageData(state: RunPageState, events: readonly StoredRunEvent[], viewer: RunPageViewer): RunPageData {
  const { run } = state;
  const parts = renderRunParts(state);
  const transcript = buildTranscript(events).map(renderTurn);
  const commands = events.flatMap((stored) => (stored.event.kind === "command" ? [renderCommand(stored.id, stored.event)] : []));
  return {
    runId: run.id,
    state: run.state,
    final: isFinalState(run.state),
    actions: listRunActions(run).join(" "),
    eventsUrl: `${renderRunPath(run.id)}/events`,
    controlBase: renderRunPath(run.id),
    lastEventId: events.reduce((max, stored) => Math.max(max, stored.id), 0),
    parts: Object.fromEntries(RUN_PARTS.map((id) => [id, trustHtml(parts[id])])) as Record<RunPartId, TrustedHtml>,
    canControl: viewer.canControl,
    csrf: viewer.csrf,
    transcript: trustHtml(transcript.join("")),
    transcriptEmpty: transcript.length === 0,
    commands: trustHtml(commands.join("")),
    commandsEmpty: commands.length === 0,
  };
}
