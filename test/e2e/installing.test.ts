import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, loadExample } from "../helpers/app.js";
import { delayed, mockAnthropic, reply, text } from "../helpers/anthropic.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type E2eScenario } from "../helpers/e2e.js";
import { labeledPayload, OWNER, PLAN, REPO, REPO_ID } from "../helpers/scenario.js";
import { waitFor } from "../helpers/wait.js";

let scenario: E2eScenario;
const repoName = `${OWNER}/${REPO}`;

function installationPayload(action: "created" | "deleted" | "suspend"): Record<string, any> {
  const payload = loadExample("installation", action);
  payload.installation.id = 1;
  payload.installation.account.login = OWNER;
  payload.sender.login = OWNER;
  return payload;
}

function addedPayload(repositories: string[]): Record<string, any> {
  const payload = loadExample("installation_repositories", "added");
  payload.installation.id = 1;
  payload.repositories_added = repositories.map((fullName, i) => ({ id: 900 + i, name: fullName.split("/")[1], full_name: fullName, private: false }));
  return payload;
}

describe("installing the app", () => {
  beforeEach(async () => (scenario = await startE2eScenario()));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("creates the hamster:deliver label, with a colour and a description, in each repository of a new installation", async () => {
    const { app, github } = scenario;
    await app.receive("installation", installationPayload("created"));
    await app.hamster.idle();
    expect(github.labels).toEqual([{ repo: repoName, name: "hamster:deliver", color: expect.stringMatching(/^[0-9a-f]{6}$/), description: expect.stringContaining("Hamster") }]);
    expect(github.labels[0]!.description.length).toBeLessThanOrEqual(100);
  });

  it("asks GitHub for the repositories when the event does not list them", async () => {
    const github = replaceScenarioGitHub({ installationRepositories: [repoName, `${OWNER}/Other`] });
    const payload = installationPayload("created");
    delete payload.repositories;
    await scenario.app.receive("installation", payload);
    await scenario.app.hamster.idle();
    expect(github.labels.map((l) => l.repo)).toEqual([repoName, `${OWNER}/Other`]);
  });

  it("labels repositories added later, and leaves a label that exists (in any case) as it is", async () => {
    const github = replaceScenarioGitHub({ labels: { [`${OWNER}/Space`]: ["Hamster:Deliver"] } });
    await scenario.app.receive("installation_repositories", addedPayload([`${OWNER}/Space`, `${OWNER}/Moon`]));
    await scenario.app.hamster.idle();
    expect(github.labels.map((l) => l.repo)).toEqual([`${OWNER}/Moon`]);
    expect(github.callsTo("POST", /\/labels$/).map((c) => c.path)).toEqual([`/repos/${OWNER}/Space/labels`, `/repos/${OWNER}/Moon/labels`]);
    // Idempotent: the same repositories again create nothing and fail nothing.
    await scenario.app.receive("installation_repositories", addedPayload([`${OWNER}/Space`, `${OWNER}/Moon`]));
    await scenario.app.hamster.idle();
    expect(github.labels).toHaveLength(1);
    expect(scenario.app.logs.filter((l) => String(l["msg"]).includes("could not create"))).toEqual([]);
  });

  it("sends the label writes of one installation one at a time, however many events arrive together", async () => {
    const github = replaceScenarioGitHub({ labelDelayMs: 30 });
    const repos = (prefix: string) => [1, 2, 3].map((i) => `${OWNER}/${prefix}-${i}`);
    await Promise.all([
      scenario.app.receive("installation_repositories", addedPayload(repos("a"))),
      scenario.app.receive("installation_repositories", addedPayload(repos("b"))),
    ]);
    await scenario.app.hamster.idle();
    expect(github.labels).toHaveLength(6);
    expect(github.labelWritesInFlightMax).toBe(1);
  });

  it("starts no run and creates no label for installation events it has no use for", async () => {
    const { app, github } = scenario;
    await app.receive("installation", { ...installationPayload("created"), action: "new_permissions_accepted" });
    await app.receive("installation_repositories", { ...addedPayload([repoName]), action: "removed" });
    await app.hamster.idle();
    expect(github.calls).toEqual([]);
  });
});

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => (scenario = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("uninstalling the app cancels its executing run, with the reason", async () => {
    const { app, remote } = scenario;
    const model = mockAnthropic([delayed(20_000, reply([text(PLAN)], "end_turn"))]);
    let answered = 0;
    model.scope.on("replied", () => answered++);
    await app.receive("issues", labeledPayload(remote.url));
    await waitFor("the planning call", () => model.requests.length === 1);
    await app.receive("installation", installationPayload("deleted"));
    await app.hamster.idle();
    expect(answered).toBe(0);
    const [run] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
    expect(run).toMatchObject({ state: "cancelled", cancelledBy: OWNER });
    expect(run!.reason).toContain(`Cancelled: the app was uninstalled from ${OWNER} by @${OWNER}`);
  });

  it("suspending the installation cancels its queued runs too, which never start; other installations' runs go on", async () => {
    await scenario.app.close();
    const app = (scenario = { ...scenario, app: await createTestApp({ executor, env: { HAMSTER_CONCURRENCY: "1" } }) }).app;
    const { remote } = scenario;
    const model = mockAnthropic([delayed(20_000, reply([text(PLAN)], "end_turn"))]);
    await app.receive("issues", labeledPayload(remote.url));
    await waitFor("the planning call", () => model.requests.length === 1);
    const second = labeledPayload(remote.url);
    second.issue.number = 2;
    await app.receive("issues", second);
    await waitFor("the second run", () => app.hamster.runs.listRunsForTask(REPO_ID, 2).length === 1);
    // Another installation's suspension touches nothing of this one.
    const other = installationPayload("suspend");
    other.installation.id = 2;
    await app.receive("installation", other);
    expect(app.hamster.runs.listRunsForTask(REPO_ID, 2)[0]!.state).toBe("queued");

    await app.receive("installation", installationPayload("suspend"));
    await app.hamster.idle();
    const runs = [...app.hamster.runs.listRunsForTask(REPO_ID, 1), ...app.hamster.runs.listRunsForTask(REPO_ID, 2)];
    expect(runs.map((r) => r.state)).toEqual(["cancelled", "cancelled"]);
    for (const run of runs) expect(run.reason).toContain(`the app's installation on ${OWNER} was suspended by @${OWNER}`);
    // The queued one never started: no branch, no pull request.
    expect(runs[1]).toMatchObject({ prNumber: null, workBranch: null });
    expect(model.requests).toHaveLength(1);
  });
});
