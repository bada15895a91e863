import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeServer, listenOnLoopback, readBodyBytes } from "../../bench/lib/http.js";
import type { GatewayBudgets, GatewayGrant, GatewaySpend, ModelCall, ModelGatewayDeps } from "../../src/gateway/gateway-types.js";
import { createModelGateway } from "../../src/gateway/model-gateway.js";
import { addCallToSpend, ZERO_SPEND } from "../../src/gateway/spend.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunCredentialStore, type RunCredentialStore } from "../../src/store/run-credentials.js";
import { createRunStore } from "../../src/store/run-store.js";
import { anthropicLike } from "../security/fake-secrets.js";
import { buildNewRun } from "./runs.js";
import { serveOnLoopback } from "../../bench/lib/http.js";

/**
 * The model gateway on its own HTTP server on 127.0.0.1, with a real credential store (a
 * SQLite file) and in-memory spend, for tests that drive it with the SDK or plain fetch.
 *
 *   const gateway = await startGateway({ upstreamUrl: fake.url, budgets: { turns: 5 } });
 *   const client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
 */

export const PROVIDER_KEY = anthropicLike("gateway-provider-CANARY");

export interface GatewayHarnessOptions {
  readonly upstreamUrl: string;
  readonly budgets?: GatewayBudgets;
  readonly allowedModels?: readonly string[];
  /** null: the installation has no key. */
  readonly providerKey?: string | null;
  readonly maxBodyBytes?: number;
}

export interface GatewayHarness {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** What the SDK takes as baseURL. */
  readonly baseURL: string;
  /** The run credential of the run's first attempt. */
  readonly token: string;
  readonly runId: number;
  readonly credentials: RunCredentialStore;
  /** Every recorded call, in order. */
  readonly calls: { readonly grant: GatewayGrant; readonly call: ModelCall }[];
  /** Failures the gateway reported through onError. */
  readonly errors: unknown[];
  spend(): GatewaySpend;
  /** Resolves with the next call recorded (or one already recorded beyond `after`). */
  waitForCall(after: number, timeoutMs: number): Promise<ModelCall>;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayHarnessOptions): Promise<GatewayHarness> {
  const dir = mkdtempSync(join(tmpdir(), "hamster-gateway-"));
  const db: SqliteDatabase = openDatabase(dir);
  const runId = createRunStore(db).createRun(buildNewRun({ installationId: 77 })).id;
  const credentials = createRunCredentialStore(db);
  const { token } = credentials.issueRunCredential(runId, 1, 3_600_000);
  const calls: GatewayHarness["calls"] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let spend = ZERO_SPEND;

  const deps: ModelGatewayDeps = {
    authenticate: (candidate) => {
      const verified = credentials.verifyRunCredential(candidate);
      if (verified === null) return null;
      return { runId: verified.runId, attempt: verified.attempt, installationId: 77, budgets: options.budgets ?? { turns: 100 }, allowedModels: options.allowedModels };
    },
    getProviderKey: (installationId) => (installationId === 77 && options.providerKey !== null ? (options.providerKey ?? PROVIDER_KEY) : undefined),
    upstreamBaseUrl: options.upstreamUrl,
    getSpend: () => spend,
    recordCall: (grant, call) => {
      calls.push({ grant, call });
      spend = addCallToSpend(spend, call);
      for (const wake of waiters) wake();
    },
    maxBodyBytes: options.maxBodyBytes,
    onError: (error) => errors.push(error),
  };
  const { url, close } = await serveOnLoopback(createModelGateway(deps));

  return {
    url,
    baseURL: `${url}/api/hamster/model`,
    token,
    runId,
    credentials,
    calls,
    errors,
    spend: () => spend,
    waitForCall: (after, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = calls[after];
          if (found === undefined) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found.call);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`No model call #${after + 1} was recorded within ${timeoutMs} ms.`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      }),
    close: async () => {
      await close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One request as a scripted upstream received it. */
export interface UpstreamRequest {
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** Resolves when the upstream's answer closed: `finished` false when the client side went away first. */
  readonly closed: Promise<{ readonly finished: boolean }>;
}

/** A model API stand-in whose every answer a test writes itself (errors, held or cut streams). */
export interface ScriptedUpstream {
  readonly url: string;
  readonly requests: UpstreamRequest[];
  close(): Promise<void>;
}

export async function startScriptedUpstream(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<ScriptedUpstream> {
  const requests: UpstreamRequest[] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<{ finished: boolean }>((resolve) => res.on("close", () => resolve({ finished: res.writableFinished })));
    void readBodyBytes(req).then((body) => {
      requests.push({ path: req.url ?? "", headers: req.headers, body, closed });
      answer(req, res, body);
    });
  });
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}
