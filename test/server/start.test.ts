import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
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

async function startApp(env: Record<string, string>): Promise<{ base: string; output: () => string }> {
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
      return { base, output: () => output };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the app did not listen within 20 s:\n${output}`);
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

beforeAll(() => {
  const build = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}, 60_000);

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
});
