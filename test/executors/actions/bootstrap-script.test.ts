import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readBody, serveOnLoopback } from "../../../bench/lib/http.js";
import { WITHHELD_RUNNER_VARIABLES } from "../../../src/executors/actions/bootstrap-script.js";
import { renderWorkflowTemplate } from "../../../src/executors/actions/workflow-template.js";
import { classicToken, fakeChars } from "../../security/fake-secrets.js";
import { evaluateInputs, findHamsterStep, parseWorkflow } from "./workflow-yaml.js";

/*
 * The Hamster step of the rendered workflow, run as GitHub runs a `run:` step (bash on a
 * file), against a fake OIDC token service and a fake app on 127.0.0.1. The runner the app
 * serves is a tiny script that writes down what it was started with.
 */

const RUN = "12";
const ATTEMPT = "3";
const RUNNER_EXIT_CODE = 7;

interface Exchange {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

let dir: string;
let workspace: string;
let runnerTemp: string;
let outFile: string;
let tokenService: Awaited<ReturnType<typeof serveOnLoopback>>;
let app: Awaited<ReturnType<typeof serveOnLoopback>>;
let requestToken: string;
let credential: string;
let runnerScript: Buffer;
/** The app's answers to the exchange, in order; the last one repeats. */
let exchangeAnswers: Exchange[];
/** The sha256 the app states for the runner; by default the runner's own. */
let statedSha256: string | undefined;
let tokenRequests: { authorization: string | undefined; audience: string | null }[];
let exchanges: unknown[];
let downloads: (string | undefined)[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hamster-step-"));
  workspace = join(dir, "workspace");
  runnerTemp = join(dir, "runner-temp");
  mkdirSync(workspace);
  mkdirSync(runnerTemp);
  outFile = join(dir, "runner-saw.json");
  requestToken = fakeChars(`request-${randomBytes(4).toString("hex")}`, 40);
  credential = `hmr_${fakeChars(randomBytes(8).toString("hex"), 32)}`;
  runnerScript = Buffer.from(renderFakeRunner(outFile));
  statedSha256 = undefined;
  tokenRequests = [];
  exchanges = [];
  downloads = [];
  exchangeAnswers = [
    { status: 503, body: { error: "The run is not ready yet." }, headers: { "retry-after": "0" } },
    { status: 200, body: null },
  ];

  let issued = 0;
  tokenService = await serveOnLoopback((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" || url.pathname !== "/idtoken") return false;
    tokenRequests.push({ authorization: request.headers.authorization, audience: url.searchParams.get("audience") });
    issued += 1;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: `oidc-token-${issued}` }));
    return true;
  });
  app = await serveOnLoopback(async (request, response) => {
    if (request.method === "POST" && request.url === "/api/hamster/actions/v1/exchange") {
      exchanges.push(JSON.parse(await readBody(request)));
      const answer = exchangeAnswers[Math.min(exchanges.length, exchangeAnswers.length) - 1]!;
      const body = answer.status === 200 ? grant() : answer.body;
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(body));
      return true;
    }
    if (request.method === "GET" && request.url === "/api/hamster/runner/v1/runner.mjs") {
      downloads.push(request.headers.authorization);
      response.writeHead(200, { "content-type": "text/javascript" }).end(runnerScript);
      return true;
    }
    return false;
  });
});

afterEach(async () => {
  await tokenService.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function grant() {
  const sha256 = statedSha256 ?? createHash("sha256").update(runnerScript).digest("hex");
  return { credential, runner: { url: `${app.url}/api/hamster/runner/v1/runner.mjs`, sha256 } };
}

/** A runner that writes down its arguments and which of the interesting variables it got, then exits 7. */
function renderFakeRunner(out: string): string {
  const names = ["HAMSTER_RUN_CREDENTIAL", "HAMSTER_SANDBOX", ...WITHHELD_RUNNER_VARIABLES];
  return [
    'import { writeFileSync } from "node:fs";',
    `const names = ${JSON.stringify(names)};`,
    "const env = Object.fromEntries(names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));",
    `writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), env }));`,
    `process.exit(${RUNNER_EXIT_CODE});`,
  ].join("\n");
}

/** The environment GitHub gives the job, and the step's own `env:` as the workflow states it. */
function buildJobEnv(stepEnv: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`,
    HOME: dir,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    ACTIONS_ID_TOKEN_REQUEST_URL: `${tokenService.url}/idtoken?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    ACTIONS_RUNTIME_TOKEN: fakeChars("runtime", 40),
    ACTIONS_RUNTIME_URL: "http://127.0.0.1:9/runtime/",
    ACTIONS_CACHE_URL: "http://127.0.0.1:9/cache/",
    ACTIONS_RESULTS_URL: "http://127.0.0.1:9/results/",
    GITHUB_TOKEN: classicToken("ghs", "job-token"),
    ...Object.fromEntries(Object.entries(stepEnv).map(([name, value]) => [name, evaluateInputs(value, { hamster_run: RUN, hamster_attempt: ATTEMPT })])),
  };
}

/** Runs the Hamster step's `run:` as GitHub does for `shell: bash`; every wait is bounded. */
async function runHamsterStep(options: { adjustEnv?: (env: NodeJS.ProcessEnv) => void } = {}) {
  const step = findHamsterStep(parseWorkflow(renderWorkflowTemplate({ publicUrl: app.url })));
  const script = join(dir, "step.sh");
  writeFileSync(script, step.run);
  const env = buildJobEnv(step.env);
  options.adjustEnv?.(env);
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`The Hamster step did not end within 30 s.\n${stdout}\n${stderr}`));
    }, 30_000);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout, stderr, output: stdout + stderr };
}

function readRunnerSaw(): { argv: string[]; env: Record<string, string> } {
  return JSON.parse(readFileSync(outFile, "utf8")) as { argv: string[]; env: Record<string, string> };
}

describe("the Hamster step", () => {
  it("trades a new OIDC token per try for the credential, checks the runner, and runs it with the credential and without the job's tokens", async () => {
    const { code, stdout, output } = await runHamsterStep();

    expect(code, output).toBe(RUNNER_EXIT_CODE);
    expect(readRunnerSaw()).toEqual({
      argv: ["runner", "--url", app.url, "--workdir", workspace],
      env: { HAMSTER_RUN_CREDENTIAL: credential, HAMSTER_SANDBOX: "off" },
    });
    expect(tokenRequests).toEqual([
      { authorization: `bearer ${requestToken}`, audience: app.url },
      { authorization: `bearer ${requestToken}`, audience: app.url },
    ]);
    expect(exchanges).toEqual([
      { run: 12, attempt: 3, token: "oidc-token-1" },
      { run: 12, attempt: 3, token: "oidc-token-2" },
    ]);
    expect(downloads).toEqual([`Bearer ${credential}`]);
    expect(existsSync(join(runnerTemp, "hamster-start.mjs"))).toBe(true);
    expect(readFileSync(join(runnerTemp, "hamster-runner.mjs"))).toEqual(runnerScript);
    // The credential shows only in the line that masks it.
    expect(stdout.split("\n").filter((line) => line.includes(credential))).toEqual([`::add-mask::${credential}`]);
    expect(output).toContain("not ready for run 12 attempt 3 yet");
  });

  it("keeps a HAMSTER_SANDBOX the workflow sets", async () => {
    const { code, output } = await runHamsterStep({ adjustEnv: (env) => (env["HAMSTER_SANDBOX"] = "on") });

    expect(code, output).toBe(RUNNER_EXIT_CODE);
    expect(readRunnerSaw().env["HAMSTER_SANDBOX"]).toBe("on");
  });

  it("runs nothing when the runner's sha256 is not the one the app stated", async () => {
    statedSha256 = createHash("sha256").update("another runner").digest("hex");
    const { code, stdout } = await runHamsterStep();

    expect(code).toBe(1);
    expect(downloads).toHaveLength(1);
    expect(existsSync(outFile)).toBe(false);
    expect(existsSync(join(runnerTemp, "hamster-runner.mjs"))).toBe(false);
    expect(stdout).toContain(`::error title=Hamster::Hamster: the downloaded Hamster runner's sha256 is ${createHash("sha256").update(runnerScript).digest("hex")}, not the ${statedSha256} the app stated, so nothing was run`);
  });

  it("says the job needs id-token: write when GitHub gives it no OIDC token", async () => {
    const { code, stdout } = await runHamsterStep({
      adjustEnv: (env) => {
        delete env["ACTIONS_ID_TOKEN_REQUEST_URL"];
        delete env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
      },
    });

    expect(code).toBe(1);
    expect(stdout).toContain("::error title=Hamster::Hamster: GitHub gave this job no OIDC token: the job needs `permissions: id-token: write`");
    expect(tokenRequests).toEqual([]);
    expect(exchanges).toEqual([]);
  });

  it("prints the app's error and stops when the exchange is refused", async () => {
    exchangeAnswers = [{ status: 403, body: { error: "The token was not issued for Codertocat/Hello-World." } }];
    const { code, stdout } = await runHamsterStep();

    expect(code).toBe(1);
    expect(stdout).toContain("::error title=Hamster::Hamster: the Hamster app refused run 12 attempt 3 (HTTP 403): The token was not issued for Codertocat/Hello-World.");
    expect(exchanges).toHaveLength(1);
    expect(downloads).toEqual([]);
    expect(existsSync(outFile)).toBe(false);
  });

  it("gives up after 20 tries while the app is not ready", async () => {
    exchangeAnswers = [{ status: 503, body: { error: "The run is not ready yet." }, headers: { "retry-after": "0" } }];
    const { code, stdout } = await runHamsterStep();

    expect(code).toBe(1);
    expect(exchanges).toHaveLength(20);
    expect(new Set(exchanges.map((e) => (e as { token: string }).token)).size).toBe(20);
    expect(stdout).toContain("the Hamster app was still not ready for run 12 attempt 3 after 20 tries (The run is not ready yet.)");
    expect(downloads).toEqual([]);
  });
});
