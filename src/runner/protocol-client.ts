import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { z } from "zod";
import type { RunnerOutcome } from "./protocol-schemas.js";
import {
  EventsAnswerSchema,
  IssueAnswerSchema,
  parseJobAssignment,
  RUNNER_PROTOCOL_PATH,
  StopAnswerSchema,
  type JobAssignment,
  type SequencedEvent,
} from "./protocol.js";

/** The app refused a request (`status`), or could not be reached (status null), also after retries. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface ProtocolClientOptions {
  /** The app's address, e.g. https://hamster.example.com. */
  readonly url: string;
  readonly credential: string;
  /** Tries per request for failures that may pass (no answer, 5xx, 429). Default 5. */
  readonly attempts?: number;
  /** Wait before the first retry, doubled each time (at most 8 s). Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Longest wait for an answer. Default 60 s. */
  readonly timeoutMs?: number;
}

/** The runner's side of the runner protocol; see protocol.ts for the endpoints. */
export interface ProtocolClient {
  getJob(): Promise<JobAssignment>;
  downloadSourceBundle(file: string): Promise<void>;
  postEvents(events: readonly SequencedEvent[]): Promise<{ applied: number; stop: string | null }>;
  heartbeat(): Promise<{ stop: string | null }>;
  /** `signal` ends the wait early (the runner is done). */
  waitForControl(waitMs: number, signal?: AbortSignal): Promise<{ stop: string | null }>;
  getIssue(issueNumber: number): Promise<{ title: string; body: string | null } | null>;
  uploadWorkBundle(file: string): Promise<void>;
  /** Sends the outcome; one the app already has (an answer lost on the way) counts as sent. */
  postResult(outcome: RunnerOutcome): Promise<void>;
}

interface Call {
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  readonly json?: unknown;
  /** A raw body, opened anew for each try. */
  readonly file?: string;
  readonly timeoutMs?: number;
  /** A status that means done, like 200. */
  readonly alsoOk?: number;
  readonly signal?: AbortSignal;
}

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function createProtocolClient(options: ProtocolClientOptions): ProtocolClient {
  const base = new URL(RUNNER_PROTOCOL_PATH.slice(1), options.url.endsWith("/") ? options.url : `${options.url}/`);
  const attempts = options.attempts ?? 5;
  const firstDelay = options.retryDelayMs ?? 500;

  const send = async (call: Call): Promise<Response> => {
    let lastError: ProtocolError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (call.signal?.aborted) break;
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, firstDelay * 2 ** (attempt - 1))));
      let response: Response;
      try {
        response = await fetch(new URL(call.path, base), await buildInit(options, call));
      } catch (error) {
        lastError = new ProtocolError(`The app at ${options.url} could not be reached: ${describeCause(error)}`, null);
        continue;
      }
      if (response.ok || response.status === call.alsoOk) return response;
      const message = await readErrorMessage(response);
      lastError = new ProtocolError(`The app answered ${call.method} ${call.path} with HTTP ${response.status}: ${message}`, response.status);
      if (!RETRIED_STATUSES.has(response.status)) throw lastError;
    }
    throw lastError ?? new ProtocolError("No request was made.", null);
  };
  const sendJson = async <T>(call: Call, schema: z.ZodType<T>): Promise<T> => {
    const response = await send(call);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new ProtocolError(`The app's answer to ${call.method} ${call.path} is not what version 1 of the runner protocol says.`, response.status);
    return parsed.data;
  };

  return {
    getJob: async () => parseJobAssignment(await (await send({ method: "GET", path: "job" })).json()),
    async downloadSourceBundle(file) {
      const response = await send({ method: "GET", path: "source.bundle", timeoutMs: 30 * 60_000 });
      if (response.body === null) throw new ProtocolError("The app sent an empty source bundle.", response.status);
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file, { mode: 0o600 }));
    },
    postEvents: (events) => sendJson({ method: "POST", path: "events", json: { events } }, EventsAnswerSchema),
    heartbeat: () => sendJson({ method: "POST", path: "heartbeat" }, StopAnswerSchema),
    waitForControl: (waitMs, signal) =>
      sendJson({ method: "GET", path: `control?wait=${Math.round(waitMs)}`, timeoutMs: waitMs + 15_000, ...(signal ? { signal } : {}) }, StopAnswerSchema),
    getIssue: async (issueNumber) => (await sendJson({ method: "GET", path: `issues/${issueNumber}` }, IssueAnswerSchema)).issue,
    async uploadWorkBundle(file) {
      await send({ method: "PUT", path: "work.bundle", file, timeoutMs: 30 * 60_000 });
    },
    async postResult(outcome) {
      await send({ method: "POST", path: "result", json: outcome, alsoOk: 409 });
    },
  };
}

async function buildInit(options: ProtocolClientOptions, call: Call): Promise<RequestInit> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.credential}`, accept: "application/json" };
  const timeout = AbortSignal.timeout(call.timeoutMs ?? options.timeoutMs ?? 60_000);
  const init: RequestInit & { duplex?: "half" } = { method: call.method, headers, signal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout };
  if (call.json !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(call.json);
  } else if (call.file !== undefined) {
    headers["content-type"] = "application/octet-stream";
    headers["content-length"] = String((await stat(call.file)).size);
    init.body = Readable.toWeb(createReadStream(call.file)) as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return init;
}

async function readErrorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === "string") return error;
  } catch {
    // Not the protocol's JSON: a proxy's page, say.
  }
  return text.slice(0, 300) || "no details";
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
