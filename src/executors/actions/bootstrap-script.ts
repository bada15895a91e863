import { RUN_CREDENTIAL_VARIABLE } from "../process/spawn-runner.js";
import { ACTIONS_EXCHANGE_PATH } from "../../domain/actions-workflow.js";

/** Where the Hamster step writes the bootstrap, and where the bootstrap writes the runner: both under $RUNNER_TEMP. */
export const BOOTSTRAP_FILE_NAME = "hamster-start.mjs";
export const RUNNER_FILE_NAME = "hamster-runner.mjs";

/** How many times the bootstrap asks the exchange while the app answers 503 (not ready yet). */
export const EXCHANGE_MAX_TRIES = 20;

/**
 * Never passed on to the runner: the job's OIDC token service (the runner must not mint
 * tokens that the exchange would take), the Actions runtime and cache services, and the
 * job's GitHub token. The runner works with its run credential alone.
 */
export const WITHHELD_RUNNER_VARIABLES = [
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_RUNTIME_URL",
  "ACTIONS_CACHE_URL",
  "ACTIONS_RESULTS_URL",
  "GITHUB_TOKEN",
] as const;

/**
 * The bootstrap the workflow's Hamster step writes to $RUNNER_TEMP and runs with the job's
 * Node: plain Node 20 ESM, no dependencies. It trades the job's OIDC token for the attempt's
 * run credential, downloads the runner the app names, checks its sha256, and runs it with
 * the credential and without the job's GitHub and Actions credentials.
 *
 * The text is embedded in a YAML block and a quoted bash heredoc, and GitHub evaluates
 * `${{ … }}` anywhere in a `run:`: so the script uses no template literals (no backquote and
 * no dollar-brace in it), and only the constants above are interpolated here.
 */
export const BOOTSTRAP_SCRIPT = String.raw`// Hamster bootstrap, written by the Hamster step of .github/workflows/hamster.yml.
// It gets this attempt's run credential from the Hamster app (proving with the job's OIDC
// token that this job is the one the app started), downloads the Hamster runner, checks it,
// and runs it. Every failure prints one line saying what to fix.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const EXCHANGE_PATH = ${JSON.stringify(ACTIONS_EXCHANGE_PATH)};
const MAX_TRIES = ${EXCHANGE_MAX_TRIES};
const MAX_WAIT_SECONDS = 10;
const REQUEST_TIMEOUT_MS = 60000;
const RUNNER_FILE_NAME = ${JSON.stringify(RUNNER_FILE_NAME)};
const CREDENTIAL_VARIABLE = ${JSON.stringify(RUN_CREDENTIAL_VARIABLE)};
const WITHHELD_VARIABLES = ${JSON.stringify(WITHHELD_RUNNER_VARIABLES)};
const env = process.env;

main().catch(function (error) {
  fail("the Hamster step failed unexpectedly (" + describe(error) + "). Run the job again; if it fails the same way, tell the Hamster app's administrators.");
});

async function main() {
  const appUrl = readAppUrl();
  const run = readNumber("HAMSTER_RUN", "hamster_run");
  const attempt = readNumber("HAMSTER_ATTEMPT", "hamster_attempt");
  const workspace = readRunnerVariable("GITHUB_WORKSPACE");
  const runnerTemp = readRunnerVariable("RUNNER_TEMP");
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    fail("GitHub gave this job no OIDC token: the job needs \u0060permissions: id-token: write\u0060 (restore the permissions block of .github/workflows/hamster.yml as Hamster wrote it).");
  }
  console.log("Hamster run " + run + " attempt " + attempt + ": getting the run credential from " + appUrl);
  const grant = await exchangeToken(appUrl, run, attempt);
  const runnerPath = await downloadRunner(grant, runnerTemp);
  console.log("Hamster runner downloaded and checked (sha256 " + grant.sha256 + "); starting it.");
  startRunner(runnerPath, appUrl, workspace, grant.credential);
}

function readAppUrl() {
  const value = (env.HAMSTER_URL || "").replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s]+$/.test(value)) {
    fail("HAMSTER_URL is " + JSON.stringify(env.HAMSTER_URL || "") + ", not the Hamster app's http(s) address: set it in the Hamster step's env (\u0060hamster setup actions\u0060 prints the workflow with it filled in).");
  }
  return value;
}

function readNumber(name, input) {
  const value = env[name] || "";
  if (!/^[1-9][0-9]{0,15}$/.test(value)) {
    fail(name + " is " + JSON.stringify(value) + ", not a number: this workflow is started by the Hamster app, which sets the " + input + " input; do not run it by hand.");
  }
  return Number(value);
}

function readRunnerVariable(name) {
  const value = env[name];
  if (!value) fail(name + " is not set: run this step in a GitHub Actions job.");
  return value;
}

/** Trades a fresh OIDC token for the run credential; a 503 means the app is not ready yet. */
async function exchangeToken(appUrl, run, attempt) {
  const which = "run " + run + " attempt " + attempt;
  for (let tries = 1; ; tries += 1) {
    // Each token is good for one exchange: every try gets a new one.
    const token = await requestIdToken(appUrl);
    const response = await send(
      appUrl + EXCHANGE_PATH,
      { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify({ run: run, attempt: attempt, token: token }) },
      "could not reach the Hamster app at " + appUrl + ": check that HAMSTER_URL is the app's public address and that GitHub's runners can reach it",
    );
    if (response.status === 200) return readGrant(await readJson(response, "the Hamster app's answer"));
    if (response.status === 503 && tries < MAX_TRIES) {
      const seconds = readRetryAfter(response.headers.get("retry-after"));
      await response.arrayBuffer().catch(function () {});
      console.log("The Hamster app is not ready for " + which + " yet; trying again in " + seconds + " s (" + tries + "/" + MAX_TRIES + ").");
      await sleep(seconds * 1000);
      continue;
    }
    const message = await readErrorMessage(response);
    if (response.status === 503) {
      fail("the Hamster app was still not ready for " + which + " after " + MAX_TRIES + " tries (" + message + "): look at the run's status on its issue, and start it again from there.");
    }
    fail("the Hamster app refused " + which + " (HTTP " + response.status + "): " + message);
  }
}

async function requestIdToken(audience) {
  const response = await send(
    env.ACTIONS_ID_TOKEN_REQUEST_URL + "&audience=" + encodeURIComponent(audience),
    { headers: { Authorization: "bearer " + env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, Accept: "application/json" } },
    "could not reach GitHub's OIDC token service: run the job again",
  );
  if (!response.ok) {
    fail("GitHub's OIDC token service answered HTTP " + response.status + " (" + (await readErrorMessage(response)) + "): check that the job has \u0060permissions: id-token: write\u0060, then run it again.");
  }
  const body = await readJson(response, "GitHub's OIDC token service's answer");
  if (!body || typeof body.value !== "string" || body.value === "") fail("GitHub's OIDC token service answered without a token: run the job again.");
  mask(body.value);
  return body.value;
}

function readGrant(body) {
  const credential = body && body.credential;
  if (typeof credential !== "string" || !/^[\x21-\x7e]+$/.test(credential)) {
    fail("the Hamster app's answer holds no usable run credential: the app and this workflow do not match; render the workflow again with \u0060hamster setup actions\u0060.");
  }
  // Before anything else: the credential never shows in the job's log.
  mask(credential);
  const runner = body.runner || {};
  let url;
  try {
    url = new URL(runner.url);
  } catch (error) {
    url = null;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || typeof runner.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(runner.sha256)) {
    fail("the Hamster app's answer does not say where the runner is and what its sha256 is: the app and this workflow do not match; render the workflow again with \u0060hamster setup actions\u0060.");
  }
  return { credential: credential, url: url.href, sha256: runner.sha256.toLowerCase() };
}

/** The runner's bytes, checked against the sha256 the app stated before anything runs. */
async function downloadRunner(grant, runnerTemp) {
  const response = await send(
    grant.url,
    { headers: { Authorization: "Bearer " + grant.credential } },
    "could not download the Hamster runner from " + grant.url + ": check that GitHub's runners can reach the Hamster app, then run the job again",
  );
  if (!response.ok) {
    fail("could not download the Hamster runner from " + grant.url + " (HTTP " + response.status + "): " + (await readErrorMessage(response)));
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== grant.sha256) {
    fail("the downloaded Hamster runner's sha256 is " + digest + ", not the " + grant.sha256 + " the app stated, so nothing was run: something between this job and the app changed it; run the job again, and if it happens again check the proxies between GitHub's runners and HAMSTER_URL.");
  }
  const path = join(runnerTemp, RUNNER_FILE_NAME);
  writeFileSync(path, bytes, { mode: 0o600 });
  return path;
}

/** Runs the runner without a shell; it gets the credential and none of the job's GitHub or Actions credentials. */
function startRunner(runnerPath, appUrl, workspace, credential) {
  const childEnv = Object.assign({}, env);
  for (const name of WITHHELD_VARIABLES) delete childEnv[name];
  childEnv[CREDENTIAL_VARIABLE] = credential;
  // GitHub's job is the sandbox; a workflow that wants Hamster's own sandbox too sets HAMSTER_SANDBOX.
  if (!childEnv.HAMSTER_SANDBOX) childEnv.HAMSTER_SANDBOX = "off";
  const child = spawn(process.execPath, [runnerPath, "runner", "--url", appUrl, "--workdir", workspace], { stdio: "inherit", env: childEnv });
  // A cancelled job signals this process: the runner gets the signal, and its exit ends this one.
  const forward = function (signal) {
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("error", function (error) {
    fail("could not start the Hamster runner with " + process.execPath + " (" + describe(error) + "): keep the actions/setup-node step before the Hamster step.");
  });
  child.on("exit", function (code, signal) {
    if (code === null) fail("the Hamster runner was stopped by " + signal + ".");
    process.exit(code);
  });
}

async function send(url, init, unreachable) {
  try {
    return await fetch(url, Object.assign({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }, init));
  } catch (error) {
    fail(unreachable + " (" + describe(error) + ").");
  }
}

async function readJson(response, what) {
  try {
    return await response.json();
  } catch (error) {
    fail(what + " is not JSON (" + describe(error) + "): check that HAMSTER_URL is the Hamster app's address.");
  }
}

/** The "error" of a JSON answer, or the start of its text, on one line. */
async function readErrorMessage(response) {
  let text = "";
  try {
    text = await response.text();
  } catch (error) {
    return "no message (" + describe(error) + ")";
  }
  let message = text;
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") message = body.error;
  } catch (error) {
    // Not JSON: the text itself says what happened.
  }
  message = message.replace(/\s+/g, " ").trim();
  if (message === "") return "no message";
  return message.length > 500 ? message.slice(0, 500) + "..." : message;
}

function readRetryAfter(value) {
  if (value !== null && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.min(Number(value), MAX_WAIT_SECONDS);
  const date = value === null ? NaN : Date.parse(value);
  if (Number.isFinite(date)) return Math.min(Math.max(0, Math.ceil((date - Date.now()) / 1000)), MAX_WAIT_SECONDS);
  return MAX_WAIT_SECONDS;
}

function sleep(ms) {
  return new Promise(function (resolve) {
    setTimeout(resolve, ms);
  });
}

function mask(value) {
  process.stdout.write("::add-mask::" + value + "\n");
}

function describe(error) {
  if (error && error.cause) return describe(error.cause);
  if (error && error.name === "TimeoutError") return "no answer within " + REQUEST_TIMEOUT_MS / 1000 + " s";
  if (error && error.code) return error.code + (error.message ? ": " + error.message : "");
  return error && error.message ? error.message : String(error);
}

/** One line, as a GitHub error annotation, then exit 1. */
function fail(message) {
  const escaped = ("Hamster: " + message).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  process.stdout.write("::error title=Hamster::" + escaped + "\n");
  process.exit(1);
}
`;
