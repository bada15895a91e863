import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { EventGap, type LiveJob } from "../executors/process/live-job.js";
import { RunnerOutcomeSchema } from "../runner/protocol-schemas.js";
import { EventBatchSchema, MAX_CONTROL_WAIT_MS, type JobAssignment } from "../runner/protocol.js";
import { RunnerBundleMissing, type RunnerBundle } from "../runner/runner-bundle.js";
import { answerThenClose } from "../http/answer-then-close.js";
import { readJsonBody, sendError, sendJson } from "./json-exchange.js";
import { receiveUpload } from "./receive-upload.js";

export interface RouteLimits {
  readonly maxWorkBundleBytes: number;
  readonly maxJsonBytes: number;
}

export interface RouteContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly live: LiveJob;
  readonly url: URL;
  readonly path: string;
  readonly limits: RouteLimits;
  /** The runner as one file, when this app serves it. */
  readonly runnerBundle: (() => Promise<RunnerBundle>) | undefined;
}

type RouteHandler = (context: RouteContext) => Promise<void>;

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, RouteHandler>>;
}

const FINISHED = "The runner has posted its result already; the job takes nothing more.";

/** `GET job`: the Job without the app's own paths, and where the runner starts. */
async function getJob({ response, live }: RouteContext): Promise<void> {
  const { checkoutDir: _checkoutDir, readOnlyPaths: _readOnlyPaths, ...job } = live.job;
  sendJson(response, 200, { job, startSha: live.startSha, workBranch: live.workBranch } satisfies JobAssignment);
}

/** `GET source.bundle`: streamed from the file the executor wrote before the runner started. */
async function getSourceBundle({ response, live }: RouteContext): Promise<void> {
  const { size } = await stat(live.sourceBundle);
  response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size), "cache-control": "no-store" });
  await pipeline(createReadStream(live.sourceBundle), response);
}

/**
 * `GET runner.mjs`: the runner as one file, for a job on GitHub Actions, with its sha256 in
 * `x-hamster-sha256` (the job checks it against the one the exchange stated).
 */
async function getRunnerBundle({ response, runnerBundle }: RouteContext): Promise<void> {
  if (runnerBundle === undefined) return sendError(response, 404, "This app serves no runner bundle: it runs no jobs on GitHub Actions.");
  let bundle: RunnerBundle;
  try {
    bundle = await runnerBundle();
  } catch (error) {
    // The app's own path stays out of the answer, which a public job log may show.
    if (error instanceof RunnerBundleMissing) return sendError(response, 404, "The app has no runner bundle to serve: an admin must run `npm run build` on the app and restart it.");
    throw error;
  }
  response.writeHead(200, {
    "content-type": "application/javascript",
    "content-length": String(bundle.bytes),
    "x-hamster-sha256": bundle.sha256,
    "cache-control": "no-store",
  });
  await pipeline(createReadStream(bundle.path), response);
}

async function postEvents({ request, response, live, limits }: RouteContext): Promise<void> {
  const batch = await readJsonBody(request, response, EventBatchSchema, limits.maxJsonBytes);
  if (batch === undefined) return;
  if (live.outcome !== null) return sendError(response, 409, FINISHED);
  try {
    sendJson(response, 200, await live.applyEvents(batch.events));
  } catch (error) {
    if (!(error instanceof EventGap)) throw error;
    sendJson(response, 409, { error: error.message, expected: error.expected });
  }
}

async function postHeartbeat({ response, live }: RouteContext): Promise<void> {
  sendJson(response, 200, { stop: live.stop });
}

const WaitSchema = z.coerce.number().int().min(0).max(60_000);

/** `GET control?wait=ms`: held until the job must stop, or for at most MAX_CONTROL_WAIT_MS. */
async function getControl({ response, live, url }: RouteContext): Promise<void> {
  const wait = WaitSchema.safeParse(url.searchParams.get("wait") ?? "0");
  if (!wait.success) return sendError(response, 400, "wait must be a whole number of milliseconds.");
  sendJson(response, 200, { stop: await live.waitForStop(Math.min(wait.data, MAX_CONTROL_WAIT_MS)) });
}

const ISSUE_PATH = /^issues\/(\d{1,10})$/;

async function getIssue({ response, live, path }: RouteContext): Promise<void> {
  const number = Number(ISSUE_PATH.exec(path)?.[1]);
  if (!Number.isSafeInteger(number) || number < 1 || number > 2 ** 31 - 1) return sendError(response, 400, "The issue number must be a positive whole number.");
  let issue: { title: string; body: string | null } | null;
  try {
    issue = await live.io.getIssue(number);
  } catch (error) {
    // The runner hands this on as a note on the run: say what went wrong, as the local executor would.
    return sendError(response, 502, error instanceof Error ? error.message : String(error));
  }
  sendJson(response, 200, { issue: issue === null ? null : { title: issue.title, body: issue.body } });
}

/** `PUT work.bundle`: streamed to the job's scratch directory, refused past the size limit. */
async function putWorkBundle({ request, response, live, limits }: RouteContext): Promise<void> {
  if (live.outcome !== null) return void answerThenClose(request, response, 409, JSON.stringify({ error: FINISHED }));
  const max = limits.maxWorkBundleBytes;
  const refuse = () => {
    live.bundleRefusal = `The runner's work bundle is larger than ${formatBytes(max)}, the most Hamster takes from a runner, so its work was refused.`;
    answerThenClose(request, response, 413, JSON.stringify({ error: live.bundleRefusal }));
  };
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return refuse();
  const file = join(live.scratchDir, "work.bundle");
  const upload = await receiveUpload(request, file, max);
  if (upload.kind === "too_large") return refuse();
  if (upload.kind === "aborted") return;
  live.workBundle = file;
  sendJson(response, 200, { bytes: upload.bytes });
}

async function postResult({ request, response, live, limits }: RouteContext): Promise<void> {
  const outcome = await readJsonBody(request, response, RunnerOutcomeSchema, limits.maxJsonBytes);
  if (outcome === undefined) return;
  if (!live.settle(outcome)) return sendError(response, 409, FINISHED);
  sendJson(response, 200, {});
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`;
}

export const RUNNER_ROUTES: readonly Route[] = [
  { pattern: /^job$/, methods: { GET: getJob } },
  { pattern: /^source\.bundle$/, methods: { GET: getSourceBundle } },
  { pattern: /^runner\.mjs$/, methods: { GET: getRunnerBundle } },
  { pattern: /^events$/, methods: { POST: postEvents } },
  { pattern: /^heartbeat$/, methods: { POST: postHeartbeat } },
  { pattern: /^control$/, methods: { GET: getControl } },
  { pattern: ISSUE_PATH, methods: { GET: getIssue } },
  { pattern: /^work\.bundle$/, methods: { PUT: putWorkBundle } },
  { pattern: /^result$/, methods: { POST: postResult } },
];
