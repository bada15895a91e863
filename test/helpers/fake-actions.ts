import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { parse as parseYaml } from "yaml";
import { loadExample } from "./app.js";
import { runTestGit } from "./git.js";
import type { OidcIssuer } from "./oidc-issuer.js";

/**
 * A fake of GitHub Actions for one repository, behind nock on the REST API: a dispatch of a
 * workflow starts a job that checks the branch out (actions/checkout), reads the workflow
 * file from it, sets the environment GitHub sets (GITHUB_*, RUNNER_TEMP and, with
 * `id-token: write`, ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN served by a local OIDC issuer), and
 * runs the job's `run:` steps with bash, as a runner does. actions/setup-node is this
 * machine's Node. Completed jobs send `workflow_run` webhooks to the app.
 */
export interface FakeActionsOptions {
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly installationId: number;
  /** The repository as actions/checkout clones it. */
  readonly remoteUrl: string;
  readonly issuer: OidcIssuer;
  /** Delivers a webhook to the app. */
  receive(name: string, payload: object): Promise<void>;
  readonly baseUrl?: string;
  /** Jobs that run at once; the rest wait for a runner. Default 4; 0: no runner has the label. */
  readonly runners?: number;
  /** false: a GHES that rejects `return_run_details` with 422. Default true. */
  readonly returnRunDetails?: boolean;
  /** Changes the claims of a job's OIDC tokens (another repository, workflow, run…). */
  claimsFor?(job: FakeJob): Record<string, unknown>;
  /** Variables every job's steps get besides GitHub's. */
  readonly env?: Record<string, string>;
}

export interface FakeJob {
  readonly id: number;
  readonly workflowFile: string;
  readonly ref: string;
  readonly inputs: Record<string, string>;
  readonly displayTitle: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: "success" | "failure" | "cancelled" | null;
  /** Standard output and error of the steps. */
  log: string;
  process: ChildProcess | null;
  readonly htmlUrl: string;
  /** Settles when the job has completed and its webhook was delivered. */
  readonly done: Promise<void>;
}

export interface FakeActions {
  readonly jobs: FakeJob[];
  /** The body of every dispatch request, refused ones too. */
  readonly dispatches: unknown[];
  /** The workflow runs the app asked to cancel, in order. */
  readonly cancelRequests: number[];
  /** Kills a running job's steps (a runner machine that died): the job fails. */
  kill(job: FakeJob): void;
  /** "Cancel workflow" in the Actions UI. */
  cancel(job: FakeJob): void;
  /** Waits until every job dispatched so far has completed (bounded). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const STEP_TIMEOUT_MS = 120_000;
/** Workflow run ids, unique across the fakes of a test process. */
let nextId = 7_000_000;

export function fakeActions(options: FakeActionsOptions): FakeActions {
  const baseUrl = new URL(options.baseUrl ?? "https://api.github.com");
  const prefix = baseUrl.pathname.replace(/\/$/, "");
  const repoPath = `${prefix}/repos/${options.owner}/${options.repo}`;
  const htmlBase = `${prefix === "" ? "https://github.com" : baseUrl.origin}/${options.owner}/${options.repo}`;
  const jobs: FakeJob[] = [];
  const dispatches: unknown[] = [];
  const cancelRequests: number[] = [];
  const waiting: (() => void)[] = [];
  let running = 0;
  let closed = false;
  const runners = options.runners ?? 4;
  const scope = nock(baseUrl.origin).persist();

  const takeRunner = (): Promise<void> => {
    if (running < runners) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(() => resolve()));
  };
  const freeRunner = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  const complete = async (job: FakeJob, conclusion: "success" | "failure" | "cancelled") => {
    if (job.status === "completed") return;
    job.status = "completed";
    job.conclusion = conclusion;
    if (closed) return;
    await options.receive("workflow_run", workflowRunPayload(options, job));
  };

  const start = (job: FakeJob, finish: () => void) => {
    void (async () => {
      await takeRunner();
      try {
        if (job.status === "completed") return;
        job.status = "in_progress";
        const ok = await runJob(options, job);
        await complete(job, ok ? "success" : "failure");
      } catch (error) {
        job.log += `\n[fake actions] ${(error as Error).stack ?? String(error)}\n`;
        await complete(job, "failure");
      } finally {
        freeRunner();
        finish();
      }
    })();
  };

  scope.post(new RegExp(`^${repoPath}/actions/workflows/[^/]+/dispatches$`)).reply((path, body) => {
    dispatches.push(body);
    const request = body as { ref: string; inputs?: Record<string, string>; return_run_details?: boolean };
    if (request.return_run_details !== undefined && options.returnRunDetails === false) {
      return [422, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' }];
    }
    const id = nextId++;
    const inputs = request.inputs ?? {};
    let finish!: () => void;
    const job: FakeJob = {
      id,
      workflowFile: decodeURIComponent(path.split("/").at(-2)!),
      ref: request.ref,
      inputs,
      displayTitle: `Hamster run ${inputs["hamster_run"]} attempt ${inputs["hamster_attempt"]}`,
      status: "queued",
      conclusion: null,
      log: "",
      process: null,
      htmlUrl: `${htmlBase}/actions/runs/${id}`,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    jobs.push(job);
    start(job, finish);
    if (request.return_run_details) return [200, { workflow_run_id: id, run_url: `${baseUrl.origin}${repoPath}/actions/runs/${id}`, html_url: job.htmlUrl }];
    return [204, ""];
  });

  scope.get(new RegExp(`^${repoPath}/actions/workflows/[^/]+/runs`)).reply(() => [
    200,
    { total_count: jobs.length, workflow_runs: [...jobs].reverse().map((job) => describeRun(job)) },
  ]);

  scope.get(new RegExp(`^${repoPath}/actions/runs/\\d+$`)).reply((path) => {
    const job = jobs.find((candidate) => candidate.id === Number(path.split("/").at(-1)));
    return job ? [200, describeRun(job)] : [404, { message: "Not Found" }];
  });

  scope.post(new RegExp(`^${repoPath}/actions/runs/\\d+/cancel$`)).reply((path) => {
    const job = jobs.find((candidate) => candidate.id === Number(path.split("/").at(-2)));
    cancelRequests.push(Number(path.split("/").at(-2)));
    if (!job) return [404, { message: "Not Found" }];
    if (job.status === "completed") return [409, { message: "Cannot cancel a workflow run that is completed." }];
    stopJob(job, "cancelled");
    return [202, {}];
  });

  const stopJob = (job: FakeJob, conclusion: "failure" | "cancelled") => {
    if (job.process?.pid) {
      try {
        process.kill(-job.process.pid, "SIGKILL");
      } catch {
        job.process.kill("SIGKILL");
      }
    }
    void complete(job, conclusion);
  };

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

  return {
    jobs,
    dispatches,
    cancelRequests,
    kill: (job) => stopJob(job, "failure"),
    cancel: (job) => stopJob(job, "cancelled"),
    async idle() {
      for (let round = 0; round < 50; round++) {
        const pending = jobs.filter((job) => job.status !== "completed");
        if (pending.length === 0) return;
        await Promise.race([Promise.all(pending.map((job) => job.done)), new Promise((resolve) => setTimeout(resolve, 200))]);
      }
    },
    async close() {
      closed = true;
      for (const job of jobs) if (job.status !== "completed") stopJob(job, "cancelled");
      scope.persist(false);
    },
  };
}

interface WorkflowStep {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}

/** Runs one job as a GitHub-hosted runner would; true when every step passed. */
async function runJob(options: FakeActionsOptions, job: FakeJob): Promise<boolean> {
  const root = await mkdtemp(join(tmpdir(), "fake-actions-"));
  try {
    const workspace = join(root, "workspace");
    const runnerTemp = join(root, "temp");
    await runTestGit(["clone", "--quiet", "--branch", job.ref, options.remoteUrl, workspace]);
    await runTestGit(["init", "--quiet", runnerTemp]);
    const workflow = parseYaml(await readFile(join(workspace, ".github/workflows", job.workflowFile), "utf8")) as {
      permissions?: Record<string, string>;
      jobs: Record<string, { steps: WorkflowStep[]; "timeout-minutes"?: unknown }>;
    };
    const [definition] = Object.values(workflow.jobs);
    if (!definition) throw new Error("the workflow has no job");
    const timeoutMinutes = Number(evaluate(String(definition["timeout-minutes"] ?? "360"), job.inputs));
    const sha = (await runTestGit(["rev-parse", "HEAD"], workspace)).trim();
    const env = await buildJobEnv(options, job, { workspace, runnerTemp, sha, idToken: workflow.permissions?.["id-token"] === "write" });
    for (const step of definition.steps) {
      if (step.uses !== undefined) {
        if (!/^actions\/(checkout|setup-node)@/.test(step.uses)) throw new Error(`the fake runs only actions/checkout and actions/setup-node, not ${step.uses}`);
        continue;
      }
      if (step.run === undefined) throw new Error(`step ${step.name ?? "?"} has neither uses nor run`);
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, evaluate(String(value), job.inputs)]));
      const ok = await runStep(job, evaluate(step.run, job.inputs), { ...env, ...stepEnv }, { cwd: workspace, runnerTemp, timeoutMs: Math.min(timeoutMinutes * 60_000, STEP_TIMEOUT_MS) });
      if (!ok) return false;
    }
    return true;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function buildJobEnv(
  options: FakeActionsOptions,
  job: FakeJob,
  at: { workspace: string; runnerTemp: string; sha: string; idToken: boolean },
): Promise<Record<string, string>> {
  const repository = `${options.owner}/${options.repo}`;
  const workflowRef = `${repository}/.github/workflows/${job.workflowFile}@refs/heads/${job.ref}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? tmpdir(),
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_ID: String(options.repoId),
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
      repository_id: String(options.repoId),
      repository_owner: options.owner,
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

function workflowRunPayload(options: FakeActionsOptions, job: FakeJob): Record<string, unknown> {
  const payload = loadExample("workflow_run", "completed");
  payload.installation = { id: options.installationId };
  payload.repository.id = options.repoId;
  payload.repository.name = options.repo;
  payload.repository.full_name = `${options.owner}/${options.repo}`;
  payload.repository.owner.login = options.owner;
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
