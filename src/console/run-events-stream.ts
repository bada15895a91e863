import type { IncomingMessage, ServerResponse } from "node:http";
import { isFinalState } from "../domain/run-state.js";
import type { StoredRunEvent } from "../store/run-event-store.js";
import type { ConsoleDeps } from "./console-deps.js";
import type { ConsoleContext, ConsoleRoute } from "./console-request.js";
import { securityHeaders } from "./console-view.js";
import type { RunFeedUpdate } from "./live-run-feed.js";
import { listRunActions, renderCommand, renderRunParts, renderToolCall, renderTurn } from "./run-page-view.js";
import { renderTurnKey } from "./run-transcript.js";
import { findVisibleRun, readRunLog, readRunPageState } from "./visible-run.js";

/**
 * GET /hamster/runs/:id/events: the run page, live, as server-sent events. Each new row of the
 * run's event log that the page shows arrives as its own entry (`turn`, `tool`, `command`, with
 * the row id as the event id, so a reconnecting browser resumes after the last it got), and
 * after them a `run` event with the page's live parts redrawn. Markup is rendered here, by the
 * page's own templates: the browser inserts it as it is.
 */

/** A comment line every so often keeps proxies from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** A page that reads this much slower than the run writes is dropped; it reconnects and catches up from the log. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface StreamMessage {
  readonly id?: number;
  readonly event: "turn" | "tool" | "command" | "run";
  readonly data: unknown;
}

/** One message in the event-stream format; the data is JSON on one line. */
export function renderStreamMessage(message: StreamMessage): string {
  return `${message.id !== undefined ? `id: ${message.id}\n` : ""}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** The entries the page appends for these rows (model calls, tool calls, commands); other rows only change the run's parts. */
export function renderRowMessages(events: readonly StoredRunEvent[]): StreamMessage[] {
  const messages: StreamMessage[] = [];
  for (const stored of events) {
    const event = stored.event;
    if (event.kind === "model_call") {
      const key = renderTurnKey(stored.attempt, event.turn);
      const html = renderTurn({ key, attempt: stored.attempt, turn: event.turn, call: event, callId: stored.id, at: stored.at, tools: [] });
      messages.push({ id: stored.id, event: "turn", data: { key, html } });
    } else if (event.kind === "tool_call") {
      const key = renderTurnKey(stored.attempt, event.turn);
      // Where the turn is not on the page yet (its model call is metered elsewhere, or comes later), this opens it.
      const shell = renderTurn({ key, attempt: stored.attempt, turn: event.turn, call: null, callId: null, at: stored.at, tools: [] });
      messages.push({ id: stored.id, event: "tool", data: { key, shell, html: renderToolCall({ id: stored.id, at: stored.at, event }) } });
    } else if (event.kind === "command") {
      messages.push({ id: stored.id, event: "command", data: { html: renderCommand(stored.id, event) } });
    }
  }
  return messages;
}

type StreamDeps = Pick<ConsoleDeps, "runs" | "events" | "diffs" | "feed">;

/** The `run` event: the run's state, its controls, and every live part redrawn from its rows now. */
export function renderRunMessage(deps: Pick<StreamDeps, "runs" | "events" | "diffs">, runId: number, lastId?: number): StreamMessage & { final: boolean } {
  const state = readRunPageState(deps, runId);
  const final = isFinalState(state.run.state);
  return {
    ...(lastId !== undefined ? { id: lastId } : {}),
    event: "run",
    final,
    data: { state: state.run.state, final, actions: listRunActions(state.run), parts: renderRunParts(state) },
  };
}

/** What one feed update becomes, rendered once for every page of the run that gets it. */
interface RenderedUpdate {
  readonly rows: readonly { id: number; text: string }[];
  readonly run: { text: string; final: boolean };
}

/** Reads a resume point: the browser's Last-Event-ID when it reconnects, else the page's `after`. */
export function parseResumeId(lastEventId: string | string[] | undefined, after: string | null): number {
  for (const value of [typeof lastEventId === "string" ? lastEventId : undefined, after ?? undefined]) {
    if (value !== undefined && /^\d{1,15}$/.test(value)) return Number(value);
  }
  return 0;
}

export function createRunEventsRoute(deps: StreamDeps): ConsoleRoute {
  const rendered = new WeakMap<RunFeedUpdate, RenderedUpdate>();
  const renderUpdate = (update: RunFeedUpdate): RenderedUpdate => {
    let found = rendered.get(update);
    if (!found) {
      const rows = renderRowMessages(update.events).map((message) => ({ id: message.id!, text: renderStreamMessage(message) }));
      const lastId = update.events.at(-1)?.id;
      const run = renderRunMessage(deps, update.runId, lastId);
      found = { rows, run: { text: renderStreamMessage(run), final: run.final } };
      rendered.set(update, found);
    }
    return found;
  };

  async function stream(ctx: ConsoleContext, request: IncomingMessage, response: ServerResponse, params: Record<string, string>): Promise<void> {
    const run = await findVisibleRun(deps.runs, ctx, params["id"]);
    let sentUpTo = parseResumeId(request.headers["last-event-id"], ctx.url.searchParams.get("after"));
    response.writeHead(200, {
      ...securityHeaders(),
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    let ended = false;
    let unsubscribe = () => {};
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      response.end();
    };
    const write = (text: string) => {
      if (ended) return;
      response.write(text);
      if (response.writableLength > MAX_BUFFERED_BYTES) end();
    };
    const heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    // Listening first, then reading what came before: nothing falls between the two (the read is synchronous).
    unsubscribe = deps.feed.subscribe(run.id, {
      update(update) {
        const { rows, run: runMessage } = renderUpdate(update);
        for (const row of rows) if (row.id > sentUpTo) write(row.text);
        sentUpTo = Math.max(sentUpTo, update.events.at(-1)?.id ?? 0);
        write(runMessage.text);
        if (runMessage.final) end();
      },
      close: end,
    });
    request.on("close", end);
    response.on("close", end);
    // A reconnecting page, or one rendered just before: what it has not seen yet, from the log.
    write("retry: 2000\n\n");
    const backlog = readRunLog(deps.events, run.id, sentUpTo).sort((a, b) => a.id - b.id);
    for (const message of renderRowMessages(backlog)) write(renderStreamMessage(message));
    sentUpTo = Math.max(sentUpTo, backlog.at(-1)?.id ?? 0);
    const current = renderRunMessage(deps, run.id, backlog.length > 0 ? sentUpTo : undefined);
    write(renderStreamMessage(current));
    if (current.final) end();
  }

  return { method: "GET", pattern: "/hamster/runs/:id/events", stream: true, handle: stream };
}
