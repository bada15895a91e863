import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { loadExample } from "./app-harness.js";
import type { FakeGitHubReply, FakeGitHubRoute } from "./fake-github-server.js";
import type { OidcIssuer } from "./oidc-issuer.js";

/**
 * A fake of GitHub Actions for the tests and the benchmarks: a dispatch of a workflow starts
 * a job that waits for a free runner, checks the branch out (actions/checkout), reads the
 * workflow file from it, sets the environment GitHub sets (GITHUB_*, RUNNER_TEMP and, with
 * `id-token: write`, ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN served by a local OIDC issuer), and
 * runs the job's `run:` steps with bash, each in a process group of its own, as a runner
 * does; actions/setup-node is this machine's Node. Completed jobs send `workflow_run`
 * webhooks through `receive`.
 *
 * The REST side is a set of handlers answering as GitHub does (dispatch with
 * `return_run_details`, list and get runs, cancel); the tests serve them through nock
 * (test/helpers/fake-actions.ts), the benchmarks from the fake GitHub server
 * (`buildActionsRoutes`).
 */

/** Workflow run ids, unique across the fakes of a process: an app that outlives one fake must not confuse their runs. */
let nextRunId = 7_000_000;

/** A repository whose workflows the fake runs. */
export interface FakeActionsRepo {
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly installationId: number;
  /** The repository as actions/checkout clones it. */
  readonly remoteUrl: string;
}

export interface FakeActionsOptions {
  readonly repos: readonly FakeActionsRepo[];
  readonly issuer: Pick<OidcIssuer, "issueRequestCredentials">;
  /** Delivers a webhook to the app. */
  receive(name: string, payload: object): Promise<void>;
  /** The REST API's base URL, for `run_url`: `https://api.github.com`, or `http(s)://host/api/v3` on GHES. */
  readonly apiBaseUrl: string;
  /** Where repositories' pages are: `https://github.com`, or the GHES origin. */
  readonly htmlOrigin: string;
  /** Jobs that run at once, over all repositories; the rest wait for a runner. Default 4; 0: no runner has the label. */
  readonly runners?: number;
  /** false: a GHES that rejects `return_run_details` with 422. Default true. */
  readonly returnRunDetails?: boolean;
  /** Changes the claims of a job's OIDC tokens (another repository, workflow, run…). */
  claimsFor?(job: FakeJob): Record<string, unknown>;
  /** Variables every job's steps get besides GitHub's. */
  readonly env?: Record<string, string>;
  /** A step is killed after this long (or the job's timeout-minutes, when shorter); default 120 s. */
  readonly stepTimeoutMs?: number;
}

export interface FakeJob {
  readonly id: number;
  readonly repository: FakeActionsRepo;
  readonly workflowFile: string;
  readonly ref: string;
  readonly inputs: Record<string, string>;
  readonly displayTitle: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: "success" | "failure" | "cancelled" | null;
  /** Standard output and error of the steps, with masked values shown as `***`. */
  log: string;
  process: ChildProcess | null;
  readonly htmlUrl: string;
  /** performance.now() at dispatch, when a runner took it, and when it completed. */
  readonly times: { dispatched: number; started: number | null; completed: number | null };
  /** Settles when the job has completed and its webhook was delivered. */
  readonly done: Promise<void>;
}

export interface FakeActions {
  readonly jobs: FakeJob[];
  /** The body of every dispatch request, refused ones too. */
  readonly dispatches: unknown[];
  /** The workflow runs the app asked to cancel, in order. */
  readonly cancelRequests: number[];
  /** The most jobs that were running at once. */
  peakRunning(): number;
  /** `POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches` */
  dispatch(repository: string, workflowFile: string, body: unknown): FakeGitHubReply;
  /** `GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs`, newest first. */
  listRuns(repository: string, workflowFile: string): FakeGitHubReply;
  /** `GET /repos/{owner}/{repo}/actions/runs/{run_id}` */
  getRun(repository: string, id: number): FakeGitHubReply;
  /** `POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel` */
  cancelRun(repository: string, id: number): FakeGitHubReply;
  /** Kills a running job's steps (a runner machine that died): the job fails. */
  kill(job: FakeJob): void;
  /** "Cancel workflow" in the Actions UI. */
  cancel(job: FakeJob): void;
  /** Waits until every job dispatched so far has completed, at most `timeoutMs` (default 10 s). */
  idle(timeoutMs?: number): Promise<void>;
  /** Cancels the jobs still queued or running; no webhook is sent after this. */
  close(): Promise<void>;
}

const DEFAULT_STEP_TIMEOUT_MS = 120_000;

export function createFakeActions(options: FakeActionsOptions): FakeActions {
  const jobs: FakeJob[] = [];
  const dispatches: unknown[] = [];
  const cancelRequests: number[] = [];
  const pool = createRunnerPool(options.runners ?? 4);
  const byName = new Map(options.repos.map((repo) => [`${repo.owner}/${repo.repo}`.toLowerCase(), repo]));
  let closed = false;
  const notFound: FakeGitHubReply = { status: 404, body: { message: "Not Found" } };
  const findJob = (repository: string, id: number) => jobs.find((job) => job.id === id && nameOf(job.repository) === repository.toLowerCase());

  const complete = async (job: FakeJob, conclusion: "success" | "failure" | "cancelled") => {
    if (job.status === "completed") return;
    job.status = "completed";
    job.conclusion = conclusion;
    job.times.completed = performance.now();
    if (closed) return;
    await options.receive("workflow_run", buildWorkflowRunPayload(job));
  };

  const start = async (job: FakeJob, finish: () => void) => {
    await pool.take();
    try {
      if (job.status === "completed") return;
      job.status = "in_progress";
      job.times.started = performance.now();
      const ok = await runJob(options, job);
      await complete(job, ok ? "success" : "failure");
    } catch (error) {
      job.log += `\n[fake actions] ${(error as Error).stack ?? String(error)}\n`;
      await complete(job, "failure").catch(() => undefined);
    } finally {
      pool.free();
      finish();
    }
  };

  const stopJob = (job: FakeJob, conclusion: "failure" | "cancelled") => {
    if (job.process?.pid) {
      try {
        process.kill(-job.process.pid, "SIGKILL");
      } catch {
        job.process.kill("SIGKILL");
      }
    }
    void complete(job, conclusion).catch(() => undefined);
  };

  return {
    jobs,
    dispatches,
    cancelRequests,
    peakRunning: () => pool.peak(),
    dispatch(repository, workflowFile, body) {
      dispatches.push(body);
      const repo = byName.get(repository.toLowerCase());
      if (!repo) return notFound;
      const request = body as { ref: string; inputs?: Record<string, string>; return_run_details?: boolean };
      if (request.return_run_details !== undefined && options.returnRunDetails === false) {
        return { status: 422, body: { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' } };
      }
      const id = nextRunId++;
      const inputs = request.inputs ?? {};
      let finish!: () => void;
      const job: FakeJob = {
        id,
        repository: repo,
        workflowFile,
        ref: request.ref,
        inputs,
        displayTitle: `Hamster run ${inputs["hamster_run"]} attempt ${inputs["hamster_attempt"]}`,
        status: "queued",
        conclusion: null,
        log: "",
        process: null,
        htmlUrl: `${options.htmlOrigin}/${repo.owner}/${repo.repo}/actions/runs/${id}`,
        times: { dispatched: performance.now(), started: null, completed: null },
        done: new Promise<void>((resolve) => (finish = resolve)),
      };
      jobs.push(job);
      void start(job, finish);
      if (!request.return_run_details) return { status: 204 };
      return { status: 200, body: { workflow_run_id: id, run_url: `${options.apiBaseUrl}/repos/${repo.owner}/${repo.repo}/actions/runs/${id}`, html_url: job.htmlUrl } };
    },
    listRuns(repository, workflowFile) {
      const own = jobs.filter((job) => nameOf(job.repository) === repository.toLowerCase() && job.workflowFile === workflowFile);
      return { status: 200, body: { total_count: own.length, workflow_runs: [...own].reverse().map(describeRun) } };
    },
    getRun(repository, id) {
      const job = findJob(repository, id);
      return job ? { status: 200, body: describeRun(job) } : notFound;
    },
    cancelRun(repository, id) {
      cancelRequests.push(id);
      const job = findJob(repository, id);
      if (!job) return notFound;
      if (job.status === "completed") return { status: 409, body: { message: "Cannot cancel a workflow run that is completed." } };
      stopJob(job, "cancelled");
      return { status: 202, body: {} };
    },
    kill: (job) => stopJob(job, "failure"),
    cancel: (job) => stopJob(job, "cancelled"),
    async idle(timeoutMs = 10_000) {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until) {
        const pending = jobs.filter((job) => job.status !== "completed");
        if (pending.length === 0) return;
        await Promise.race([Promise.all(pending.map((job) => job.done)), new Promise((resolve) => setTimeout(resolve, 200))]);
      }
    },
    async close() {
      closed = true;
      for (const job of jobs) if (job.status !== "completed") stopJob(job, "cancelled");
    },
  };
}

/** The Actions endpoints of `actions`, for the fake GitHub server's `routes`. */
export function buildActionsRoutes(actions: FakeActions): FakeGitHubRoute[] {
  const repository = (params: Record<string, string>) => `${params["owner"]}/${params["repo"]}`;
  return [
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
      handle: (req) => actions.dispatch(repository(req.params), req.params["workflow_id"]!, req.body ?? {}),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
      handle: (req) => actions.listRuns(repository(req.params), req.params["workflow_id"]!),
    },
    { method: "GET", template: "/repos/{owner}/{repo}/actions/runs/{run_id}", handle: (req) => actions.getRun(repository(req.params), Number(req.params["run_id"])) },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel",
      handle: (req) => actions.cancelRun(repository(req.params), Number(req.params["run_id"])),
    },
  ];
}

function nameOf(repo: FakeActionsRepo): string {
  return `${repo.owner}/${repo.repo}`.toLowerCase();
}

/** Runners shared by every repository: a job takes one, or waits in line for one. */
function createRunnerPool(size: number) {
  const waiting: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  return {
    take(): Promise<void> {
      if (running < size) {
        running += 1;
        peak = Math.max(peak, running);
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    free(): void {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    },
    peak: () => peak,
  };
}

function describeRun(job: FakeJob) {
  return {
    id: job.id,
    name: "Hamster",
    display_title: job.displayTitle,
    event: "workflow_dispatch",
    head_branch: job.ref,
    path: `.github/workflows/${job.workflowFile}`,
    status: job.status,
    conclusion: job.conclusion,
    html_url: job.htmlUrl,
  };
}

function buildWorkflowRunPayload(job: FakeJob): Record<string, unknown> {
  const { repository: repo } = job;
  const payload = loadExample("workflow_run", "completed");
  payload.installation = { id: repo.installationId };
  payload.repository.id = repo.repoId;
  payload.repository.name = repo.repo;
  payload.repository.full_name = `${repo.owner}/${repo.repo}`;
  payload.repository.owner.login = repo.owner;
  Object.assign(payload.workflow_run, {
    id: job.id,
    display_title: job.displayTitle,
    event: "workflow_dispatch",
    head_branch: job.ref,
    status: "completed",
    conclusion: job.conclusion,
    html_url: job.htmlUrl,
    path: `.github/workflows/${job.workflowFile}`,
  });
  return payload;
}

// ---------------------------------------------------------------------------------------
// One job, as a GitHub-hosted runner runs it

interface WorkflowStep {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}

const execFileAsync = promisify(execFile);
/** Taken at load, so a test that puts a wrapper first on PATH does not wrap the fake's git. */
const HOST_PATH = process.env.PATH ?? "/usr/bin:/bin";

/** git for the fake's checkout, isolated from the machine's configuration. */
async function runJobGit(args: readonly string[], cwd?: string): Promise<string> {
  const env = { PATH: HOST_PATH, HOME: process.env.HOME ?? tmpdir(), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" };
  const { stdout } = await execFileAsync("git", [...args], { cwd: cwd ?? tmpdir(), env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" });
  return stdout;
}

/** Runs one job; true when every step passed. */
async function runJob(options: FakeActionsOptions, job: FakeJob): Promise<boolean> {
  const root = await mkdtemp(join(tmpdir(), "fake-actions-"));
  try {
    const workspace = join(root, "workspace");
    const runnerTemp = join(root, "temp");
    await runJobGit(["clone", "--quiet", "--branch", job.ref, job.repository.remoteUrl, workspace]);
    await runJobGit(["init", "--quiet", runnerTemp]);
    const workflow = parseYaml(await readFile(join(workspace, ".github/workflows", job.workflowFile), "utf8")) as {
      permissions?: Record<string, string>;
      jobs: Record<string, { steps: WorkflowStep[]; "timeout-minutes"?: unknown }>;
    };
    const [definition] = Object.values(workflow.jobs);
    if (!definition) throw new Error("the workflow has no job");
    const timeoutMinutes = Number(evaluate(String(definition["timeout-minutes"] ?? "360"), job.inputs));
    const sha = (await runJobGit(["rev-parse", "HEAD"], workspace)).trim();
    const env = buildJobEnv(options, job, { workspace, runnerTemp, sha, idToken: workflow.permissions?.["id-token"] === "write" });
    const timeoutMs = Math.min(timeoutMinutes * 60_000, options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
    for (const step of definition.steps) {
      // Cancelled or killed meanwhile (before any step had a process to kill): no further step starts.
      if (job.status === "completed") return false;
      if (step.uses !== undefined) {
        if (!/^actions\/(checkout|setup-node)@/.test(step.uses)) throw new Error(`the fake runs only actions/checkout and actions/setup-node, not ${step.uses}`);
        continue;
      }
      if (step.run === undefined) throw new Error(`step ${step.name ?? "?"} has neither uses nor run`);
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, evaluate(String(value), job.inputs)]));
      const ok = await runStep(job, evaluate(step.run, job.inputs), { ...env, ...stepEnv }, { cwd: workspace, runnerTemp, timeoutMs });
      if (!ok) return false;
    }
    return true;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function buildJobEnv(options: FakeActionsOptions, job: FakeJob, at: { workspace: string; runnerTemp: string; sha: string; idToken: boolean }): Record<string, string> {
  const { owner, repoId } = job.repository;
  const repository = `${owner}/${job.repository.repo}`;
  const workflowRef = `${repository}/.github/workflows/${job.workflowFile}@refs/heads/${job.ref}`;
  const env: Record<string, string> = {
    PATH: HOST_PATH,
    HOME: process.env.HOME ?? tmpdir(),
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_ID: String(repoId),
    GITHUB_RUN_ID: String(job.id),
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_REF: `refs/heads/${job.ref}`,
    GITHUB_SHA: at.sha,
    GITHUB_WORKFLOW_REF: workflowRef,
    GITHUB_EVENT_NAME: "workflow_dispatch",
    GITHUB_WORKSPACE: at.workspace,
    RUNNER_TEMP: at.runnerTemp,
    // What a job holds besides the OIDC request token; the runner step must not hand these on.
    ACTIONS_RUNTIME_TOKEN: "fake-actions-runtime-token",
    ...options.env,
  };
  if (at.idToken) {
    const claims = {
      repository,
      repository_id: String(repoId),
      repository_owner: owner,
      run_id: String(job.id),
      run_attempt: "1",
      workflow_ref: workflowRef,
      job_workflow_ref: workflowRef,
      ref: `refs/heads/${job.ref}`,
      sha: at.sha,
      event_name: "workflow_dispatch",
      actor: "Codertocat",
      ...options.claimsFor?.(job),
    };
    const { requestUrl, requestToken } = options.issuer.issueRequestCredentials(claims);
    env["ACTIONS_ID_TOKEN_REQUEST_URL"] = requestUrl;
    env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = requestToken;
  }
  return env;
}

/** A `run:` step: bash as GitHub runs it (`bash --noprofile --norc -eo pipefail {0}`), in its own process group. */
async function runStep(job: FakeJob, script: string, env: Record<string, string>, at: { cwd: string; runnerTemp: string; timeoutMs: number }): Promise<boolean> {
  const file = join(at.runnerTemp, `step-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, script);
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd: at.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  job.process = child;
  const logLines = createWorkflowLog(job);
  child.stdout.setEncoding("utf8").on("data", logLines);
  child.stderr.setEncoding("utf8").on("data", logLines);
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), at.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on("close", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  job.process = null;
  return code === 0;
}

/**
 * The job's log as GitHub keeps it: `::add-mask::VALUE` lines are commands, not output, and
 * every later appearance of a masked value shows as `***`.
 */
function createWorkflowLog(job: FakeJob & { masks?: string[] }): (chunk: string) => void {
  job.masks ??= [];
  const masks = job.masks;
  let partial = "";
  return (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("::add-mask::")) {
        masks.push(line.slice("::add-mask::".length));
        continue;
      }
      job.log += `${masks.reduce((text, mask) => (mask ? text.split(mask).join("***") : text), line)}\n`;
    }
  };
}

/** The expressions the template uses: `${{ inputs.X }}` and `${{ fromJSON(inputs.X) }}`; any other fails the job. */
function evaluate(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_match, expression: string) => {
    const plain = /^inputs\.([A-Za-z0-9_-]+)$/.exec(expression);
    if (plain) return inputs[plain[1]!] ?? "";
    const json = /^fromJSON\(inputs\.([A-Za-z0-9_-]+)\)$/.exec(expression);
    if (json) return String(JSON.parse(inputs[json[1]!] ?? "null"));
    throw new Error(`the fake does not evaluate \${{ ${expression} }}`);
  });
}
