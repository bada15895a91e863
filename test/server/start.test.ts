import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, loadExample } from "../helpers/app.js";

/**
 * `npm start` as an admin runs it: the compiled app in its own process, on a real port.
 * These tests build once, then start the server without and with GitHub App settings.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const children: ChildProcess[] = [];
const dataDirs: string[] = [];

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startApp(env: Record<string, string>): Promise<{ base: string; output: () => string; pid: number }> {
  const port = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), "hamster-start-"));
  dataDirs.push(dataDir);
  let output = "";
  const child = spawn(process.execPath, ["dist/src/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: dataDir, HOST: "127.0.0.1", PORT: String(port), HAMSTER_DATA_DIR: dataDir, NO_SMEE_SETUP: "true", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`${base}/`, { redirect: "manual" });
      return { base, output: () => output, pid: child.pid! };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the app did not listen within 20 s:\n${output}`);
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

// dist/ is compiled once for all tests by test/global-setup.ts.

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("serves Probot's setup page when no GitHub App is configured", async () => {
    const { base } = await startApp({});
    const root = await fetch(`${base}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/probot");
    const page = await fetch(`${base}/probot`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("hamster-deliver");
    expect(html).toContain("Register GitHub App");
  });

  it("accepts signed webhooks and rejects badly signed ones", async () => {
    const secret = "start-test-secret";
    const { base } = await startApp({ APP_ID: "123", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: secret });
    // An event the app does not act on, so nothing reaches GitHub.
    const body = JSON.stringify(loadExample("issues", "opened"));
    const headers = { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": "11111111-2222-3333-4444-555555555555" };

    const good = await fetch(`${base}/api/github/webhooks`, { method: "POST", body, headers: { ...headers, "x-hub-signature-256": sign(secret, body) } });
    expect(good.status).toBe(200);

    const bad = await fetch(`${base}/api/github/webhooks`, { method: "POST", body, headers: { ...headers, "x-hub-signature-256": sign("wrong-secret", body) } });
    expect(bad.status).toBe(400);

    const unsigned = await fetch(`${base}/api/github/webhooks`, { method: "POST", body, headers });
    expect(unsigned.status).toBe(400);
  });

  it("stops on SIGTERM: drains and exits 0", async () => {
    const { base } = await startApp({ APP_ID: "123", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: "s", HAMSTER_SHUTDOWN_GRACE_SECONDS: "1" });
    const child = children.at(-1)!;
    expect((await fetch(`${base}/probot`)).status).toBeLessThan(500);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    process.kill(child.pid!, "SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))]);
    expect(code).toBe(0);
  });

  it("keeps a second process off its data directory, and lets the next one in once it has stopped", async () => {
    const configured = { APP_ID: "123", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: "s", HAMSTER_SHUTDOWN_GRACE_SECONDS: "1" };
    await startApp(configured);
    const first = children.at(-1)!;
    const dataDir = dataDirs.at(-1)!;

    // It waits the first one's grace period and a little more, then gives up and says why.
    const second = spawnSync(process.execPath, ["dist/src/main.js"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: dataDir, HOST: "127.0.0.1", PORT: String(await findFreePort()), HAMSTER_DATA_DIR: dataDir, NO_SMEE_SETUP: "true", ...configured },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`Another Hamster process is using the data directory ${dataDir}`);

    // A restart: the next process starts while the first drains, and takes over when it is done.
    process.kill(first.pid!, "SIGTERM");
    const { base } = await startApp({ ...configured, HAMSTER_DATA_DIR: dataDir });
    expect((await fetch(`${base}/probot`)).status).toBeLessThan(500);
    expect(first.exitCode ?? (await new Promise((resolve) => first.once("exit", resolve)))).toBe(0);
  }, 60_000);

  it("refuses to start with an invalid setting, and says which", async () => {
    const child = spawnSync(process.execPath, ["dist/src/main.js"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HAMSTER_CONCURRENCY: "zero", APP_ID: "1", PRIVATE_KEY: "x" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain("HAMSTER_CONCURRENCY");
  });

  it("reads its own settings from .env in the working directory, as Probot reads its own", () => {
    const dir = mkdtempSync(join(tmpdir(), "hamster-dotenv-"));
    dataDirs.push(dir);
    writeFileSync(join(dir, ".env"), "APP_ID=1\nPRIVATE_KEY=x\nHAMSTER_CONCURRENCY=abc\n");
    const child = spawnSync(process.execPath, [join(ROOT, "dist/src/main.js")], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain("HAMSTER_CONCURRENCY");
  });
});

/** The kernel's count of a process's resident memory, in bytes: `VmRSS` (now) or `VmHWM` (peak). */
function readMemory(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) * 1024;
}

interface StreamedPost {
  readonly status: number;
  readonly body: string;
  /** Body bytes written before the answer came. */
  readonly sentBytes: number;
}

/**
 * POSTs `totalBytes` of body in 64 KiB chunks (chunked unless `headers` declare a length) and
 * stops writing as soon as the answer arrives; `totalBytes` bounds it either way.
 */
function postStreamed(url: string, headers: OutgoingHttpHeaders, totalBytes: number): Promise<StreamedPost> {
  const chunk = Buffer.alloc(64 * 1024, " ");
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const request = httpRequest(url, { method: "POST", headers, agent: false }, (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on("data", (part: Buffer) => parts.push(part));
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString(), sentBytes });
      });
    });
    // Once answered, the server closing the connection under the rest of the body is expected.
    request.on("error", (error) => answered || reject(error));
    const pump = () => {
      while (!answered && sentBytes < totalBytes) {
        sentBytes += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      if (!answered) request.end();
    };
    request.flushHeaders();
    if (totalBytes > 0) pump();
  });
}

describe("npm start: webhook bodies", () => {
  const secret = "body-test-secret";
  const MiB = 1024 * 1024;
  let app: { base: string; output: () => string; pid: number };
  const deliveryHeaders = (id: string, body: string) => ({
    "content-type": "application/json",
    "x-github-event": "issues",
    "x-github-delivery": id,
    "x-hub-signature-256": sign(secret, body),
  });
  /**
   * POSTs a delivery and waits (5 s at most) for the app to log its answer; returns the answer
   * and the error-level lines the app logged meanwhile.
   */
  async function postDelivery(id: string, body: string): Promise<{ status: number; error: string; errorLines: unknown[] }> {
    const from = app.output().length;
    // Whole lines only: the last one may still be arriving.
    const lines = () =>
      app
        .output()
        .slice(from)
        .split("\n")
        .slice(0, -1)
        .map((line) => JSON.parse(line) as { level: number; req?: { id?: string }; res?: { statusCode?: number } });
    const response = await fetch(`${app.base}/api/github/webhooks`, { method: "POST", body, headers: deliveryHeaders(id, body) });
    const { error } = (await response.json()) as { error: string };
    const deadline = Date.now() + 5_000;
    while (!lines().some((line) => line.req?.id === id && line.res?.statusCode) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return { status: response.status, error, errorLines: lines().filter((line) => line.level >= 50) };
  }

  beforeAll(async () => {
    app = await startApp({ APP_ID: "123", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: secret, LOG_FORMAT: "json" });
  });

  it("refuses a body whose Content-Length is over 25 MiB with 413 before any of it is sent", async () => {
    const headers = { ...deliveryHeaders("body-declared-large", ""), "content-length": String(1536 * MiB) };
    const answer = await postStreamed(`${app.base}/api/github/webhooks`, headers, 0);
    expect(answer.status).toBe(413);
    expect(answer.sentBytes).toBe(0);
    expect(JSON.parse(answer.body).error).toContain("larger than 26214400 bytes");
  });

  it("answers 413 to a 200 MB body streamed without Content-Length, and its memory barely grows", async () => {
    // The kernel's peak-RSS mark, reset to the current RSS (clear_refs 5), then read after the request.
    writeFileSync(`/proc/${app.pid}/clear_refs`, "5");
    const before = readMemory(app.pid, "VmRSS");
    const answer = await postStreamed(`${app.base}/api/github/webhooks`, deliveryHeaders("body-streamed-large", "{}"), 200 * MiB);
    const peakGrowth = readMemory(app.pid, "VmHWM") - before;
    expect(answer.status).toBe(413);
    expect(answer.sentBytes).toBeLessThan(200 * MiB);
    expect(peakGrowth).toBeLessThan(50 * MiB);
  });

  it("answers an empty body with 400 saying so, and logs no error", async () => {
    expect(await postDelivery("body-empty", "")).toEqual({
      status: 400,
      error: "The request body is empty: a webhook delivery carries its event as JSON.",
      errorLines: [],
    });
  });

  it("answers a body that is not JSON with 400 saying so, even when it is signed, and logs no error", async () => {
    expect(await postDelivery("body-not-json", '{"action": "opened",')).toEqual({
      status: 400,
      error: expect.stringMatching(/^The request body is not valid JSON: /),
      errorLines: [],
    });
  });

  it("still accepts a signed delivery, and refuses a form-encoded one as unsupported (415)", async () => {
    const body = JSON.stringify(loadExample("issues", "opened"));
    const good = await fetch(`${app.base}/api/github/webhooks`, { method: "POST", body, headers: deliveryHeaders("body-good", body) });
    expect(good.status).toBe(200);
    const form = `payload=${encodeURIComponent(body)}`;
    const formHeaders = { ...deliveryHeaders("body-form", form), "content-type": "application/x-www-form-urlencoded" };
    const refused = await fetch(`${app.base}/api/github/webhooks`, { method: "POST", body: form, headers: formHeaders });
    expect(refused.status).toBe(415);
  });
});
