import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderWorkflowTemplate } from "../../src/executors/actions/workflow-template.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLoopbackEndpoint, createTestApp, disableNetwork, type LoopbackEndpoint, type TestApp } from "../helpers/app.js";
import { held, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { scenarioGitHub, type FakeGitHub } from "../helpers/e2e.js";
import { fakeActions, type FakeActions, type FakeActionsOptions, type FakeJob } from "../helpers/fake-actions.js";
import { commitToRemote, createBareRemote, readRemoteFile, type BareRemote } from "../helpers/git.js";
import { startOidcIssuer, type OidcIssuer } from "../helpers/oidc-issuer.js";
import { commentPayload, evidenceReport, FULL_EVIDENCE, labeledPayload, OWNER, PLAN, REPO, REPO_ID, scriptHappyModel, WORK_BRANCH } from "../helpers/scenario.js";
import { createGate, waitFor, waitForValue } from "../helpers/wait.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;
let issuer: OidcIssuer;
let actions: FakeActions;

/** The app with `executor: actions`, the repository with the Hamster workflow on main, and a fake Actions with runners. */
async function start(options: { actions?: Partial<FakeActionsOptions>; probotEnv?: Record<string, string>; baseUrl?: string; dataDir?: string; endpoint?: LoopbackEndpoint } = {}) {
  app = await createTestApp({
    executor: "actions",
    env: { HAMSTER_ACTIONS_OIDC_ISSUER: issuer.issuer },
    ...(options.probotEnv ? { probotEnv: options.probotEnv } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  await commitToRemote(remote.dir, "main", { ".github/workflows/hamster.yml": renderWorkflowTemplate({ publicUrl: app.settings.publicUrl }) }, "Add the Hamster workflow");
  github = scenarioGitHub(options.baseUrl ? { baseUrl: options.baseUrl } : {});
  actions = fakeActions({
    owner: OWNER,
    repo: REPO,
    repoId: REPO_ID,
    installationId: 1,
    remoteUrl: remote.url,
    issuer,
    receive: (name, payload) => app.receive(name, payload),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...options.actions,
  });
}

/** The task's run's state, or undefined before it is admitted. */
function stateOfRun(): string | undefined {
  return app.hamster.runs.listRunsForTask(REPO_ID, 1)[0]?.state;
}

function onlyRun() {
  const runs = app.hamster.runs.listRunsForTask(REPO_ID, 1);
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

describe("executor: actions", () => {
  beforeEach(async () => {
    disableNetwork();
    remote = await createBareRemote();
    issuer = await startOidcIssuer();
  });
  afterEach(async () => {
    await actions?.close();
    await app?.close();
    await issuer.close();
    await remote.cleanup();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("dispatches the workflow, and its runner delivers the PR with the check run's stages", async () => {
    await start();
    const model = scriptHappyModel(FULL_EVIDENCE);
    await app.receive("issues", labeledPayload(remote.url));
    await app.hamster.idle();

    const run = onlyRun();
    expect(run.state, `${run.reason}\n${actions.jobs[0]?.log}`).toBe("succeeded");
    expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
    // One dispatch with the run's identifiers, on main; the job ran the runner.
    expect(actions.jobs).toHaveLength(1);
    const [job] = actions.jobs;
    expect(job!.inputs).toEqual({ hamster_run: String(run.id), hamster_attempt: "1", timeout_minutes: "65" });
    expect(job!.ref).toBe("main");
    expect(job!.conclusion).toBe("success");
    const final = github.checkRuns.at(-1)!;
    expect(final.conclusion).toBe("success");
    for (const stage of ["Planning", "Implementing", "Verifying", "Delivering"]) expect(final.output.summary).toMatch(new RegExp(`✅ ${stage} \\| done`));
    // The check run links to the workflow run.
    expect(final.output.summary).toContain(`Running on GitHub Actions: [workflow run ${job!.id}](${job!.htmlUrl})`);
    expect(github.pulls[0]!.draft).toBe(false);
    // The model was called through the gateway: the runner held no provider key.
    expect(model.requests.length).toBeGreaterThan(0);
    expect(job!.log).not.toContain("hmr_");
  });

  it("finds the workflow run by its name on a GHES that rejects return_run_details", async () => {
    const ghes = "https://ghe.example.com/api/v3";
    await start({ baseUrl: ghes, probotEnv: { GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "https" }, actions: { returnRunDetails: false } });
    scriptHappyModel(FULL_EVIDENCE);
    await app.receive("issues", labeledPayload(remote.url));
    await app.hamster.idle();
    const run = onlyRun();
    expect(run.state, `${run.reason}\n${actions.jobs[0]?.log}`).toBe("succeeded");
    expect(actions.dispatches.map((body) => "return_run_details" in (body as object))).toEqual([true, false]);
  });

  it("cancels the workflow run when the run is cancelled from GitHub", async () => {
    await start();
    const agentAtWork = createGate();
    scriptCancellableModel(agentAtWork.promise);
    await app.receive("issues", labeledPayload(remote.url));
    const job = await waitForValue("the job to start", () => actions.jobs.find((candidate) => candidate.status === "in_progress"));
    await waitFor("the runner to be planning", () => ["planning", "implementing"].includes(stateOfRun() ?? ""));
    await app.receive("issue_comment", commentPayload(remote.url, "/cancel"));
    await app.hamster.idle();
    agentAtWork.open();
    const run = onlyRun();
    expect(run.state).toBe("cancelled");
    expect(run.reason).toBe("Cancelled by @Codertocat.");
    // The runner was told to stop, and the workflow run is cancelled too.
    expect(actions.cancelRequests).toEqual([job.id]);
    await actions.idle();
    expect(job.status).toBe("completed");
  });

  it("ends the run with the reason and the Actions link when the job dies mid-run", async () => {
    await start();
    const agentAtWork = createGate();
    scriptCancellableModel(agentAtWork.promise);
    await app.receive("issues", labeledPayload(remote.url));
    const job = await waitForValue("the job to start", () => actions.jobs.find((candidate) => candidate.status === "in_progress"));
    await waitFor("the runner to be at work", () => ["planning", "implementing"].includes(stateOfRun() ?? ""));
    actions.kill(job);
    await app.hamster.idle();
    agentAtWork.open();
    const run = onlyRun();
    expect(run.state).toBe("failed");
    expect(run.reason).toContain("The GitHub Actions job ended (failure) without a result from its runner");
    expect(run.reason).toContain(job.htmlUrl);
  });

  it("names the fix when the repository has no Hamster workflow", async () => {
    await start({ actions: {} });
    scriptHappyModel(FULL_EVIDENCE);
    // Dispatches of a workflow GitHub does not know are refused.
    nock.cleanAll();
    disableNetwork();
    github = scenarioGitHub();
    nock("https://api.github.com").post(/\/actions\/workflows\/.+\/dispatches$/).reply(404, { message: "Not Found" }).persist();
    await app.receive("issues", labeledPayload(remote.url));
    await app.hamster.idle();
    const run = onlyRun();
    expect(run.state).toBe("failed");
    expect(run.reason).toMatch(/GitHub found no workflow `\.github\/workflows\/hamster\.yml` on `main`.*\/hamster setup actions/);
  });

  it("resumes a run the app left at shutdown as a new attempt, with a new dispatch, and delivers it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hamster-data-"));
    const endpoint = await createLoopbackEndpoint();
    try {
      await start({ dataDir, endpoint });
      const agentAtWork = createGate();
      mockAnthropic([
        reply([text(PLAN)], "end_turn"),
        held(agentAtWork.promise, reply([text("interrupted")], "end_turn")),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
        reply([text("Done.")], "end_turn"),
        reply([text(evidenceReport(FULL_EVIDENCE))], "end_turn"),
      ]);
      await app.receive("issues", labeledPayload(remote.url));
      await waitFor("the runner to be at work", () => stateOfRun() === "implementing");
      const first = actions.jobs[0]!;
      // The app stops (a deploy): the runner is told to stop, the run stays active for the next start.
      await app.close();
      agentAtWork.open();
      // GitHub and its Actions outlive the app; the next start finds the run active and resumes it.
      app = await createTestApp({ executor: "actions", env: { HAMSTER_ACTIONS_OIDC_ISSUER: issuer.issuer }, dataDir, endpoint });
      await waitFor("the resumed run to end", () => ["succeeded", "failed"].includes(stateOfRun() ?? ""), { timeoutMs: 25_000 });
      await app.hamster.idle();
      const run = onlyRun();
      expect(run.state, `${run.reason}\n${actions.jobs[0]?.log}`).toBe("succeeded");
      expect(run.resumeCount).toBe(1);
      expect(actions.jobs.map((job) => job.inputs["hamster_attempt"])).toEqual(["1", "2"]);
      // The first attempt's workflow run is cancelled (it may have ended by itself already).
      expect(actions.cancelRequests).toEqual([first.id]);
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
    } finally {
      await endpoint.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe("a runner whose token is not the dispatched job's is refused", () => {
    const refusals: [string, (job: FakeJob) => Record<string, unknown>, RegExp][] = [
      ["another repository", () => ({ repository: "evil/fork" }), /repository/],
      ["another workflow", () => ({ workflow_ref: `${OWNER}/${REPO}/.github/workflows/other.yml@refs/heads/main`, job_workflow_ref: `${OWNER}/${REPO}/.github/workflows/other.yml@refs/heads/main` }), /workflow/],
      ["the workflow on another branch", () => ({ workflow_ref: `${OWNER}/${REPO}/.github/workflows/hamster.yml@refs/heads/evil`, job_workflow_ref: `${OWNER}/${REPO}/.github/workflows/hamster.yml@refs/heads/evil` }), /refs\/heads\/evil/],
      ["another workflow run", (job) => ({ run_id: String(job.id + 1) }), /run/],
    ];
    it.each(refusals)("%s", async (_name, claimsFor, reason) => {
      await start({ actions: { claimsFor } });
      scriptHappyModel(FULL_EVIDENCE);
      await app.receive("issues", labeledPayload(remote.url));
      const job = await waitForValue("the job to end", () => actions.jobs.find((candidate) => candidate.status === "completed"));
      expect(job.conclusion).toBe("failure");
      expect(job.log).toMatch(reason);
      expect(job.log).not.toContain("hmr_");
      await app.hamster.idle();
      const run = onlyRun();
      expect(run.state).toBe("failed");
      expect(run.reason).toContain("before its runner started");
    });
  });
});

/** A model that plans, then holds its next answer until `release`: the agent is at work meanwhile. */
function scriptCancellableModel(release: Promise<unknown>) {
  return mockAnthropic([reply([text("- [ ] Create `hello.txt`")], "end_turn"), held(release, reply([text("done")], "end_turn"))]);
}
