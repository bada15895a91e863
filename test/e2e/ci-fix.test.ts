import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, loadExample } from "../helpers/app.js";
import { mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type E2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeCommitCheck, FakeGitHubOptions } from "../helpers/github.js";
import { getRemoteSha, readRemoteFile } from "../helpers/git.js";
import { evidenceReport, FULL_EVIDENCE, labeledPayload, REPO_ID, scriptHappyModel, WORK_BRANCH } from "../helpers/scenario.js";
import { waitFor } from "../helpers/wait.js";

let scenario: E2eScenario;
let github: FakeGitHub;
let pr: number;
const runRows = () => scenario.app.hamster.runs.listRunsForTask(REPO_ID, 1);
const headOfBranch = () => getRemoteSha(scenario.remote.dir, WORK_BRANCH) as Promise<string>;

/** GitHub that reads each pull request's head from the bare remote, as GitHub sees the branch. */
function ciGitHub(overrides: Partial<FakeGitHubOptions> = {}, pull?: number): FakeGitHub {
  const dir = scenario.remote.dir;
  const fake = replaceScenarioGitHub({ pullHeadSha: (branch) => execFileSync("git", ["--git-dir", dir, "rev-parse", `refs/heads/${branch}`], { encoding: "utf8" }).trim(), ...overrides });
  if (pull !== undefined) fake.pulls.push({ number: pull, nodeId: "PR_x", head: WORK_BRANCH, base: "main", title: "t", body: "b", draft: false, state: "open" });
  return fake;
}

/** Delivers the task's first run; GitHub then knows the pull request it opened. */
async function deliverFirstRun(overrides: Partial<FakeGitHubOptions> = {}): Promise<string> {
  scriptHappyModel();
  await scenario.app.receive("issues", labeledPayload(scenario.remote.url));
  await scenario.app.hamster.idle();
  pr = runRows()[0]!.prNumber!;
  github = ciGitHub(overrides, pr);
  return headOfBranch();
}

/** The lint job failing the way `n` says: its annotation and its log differ with `n`, and its timings every time. */
function failingLint(id: number, n = 1): FakeCommitCheck {
  const at = new Date(Date.UTC(2025, 0, 1, 12, 0, id % 60)).toISOString().replace("Z", "0000Z");
  return {
    id,
    name: "lint",
    conclusion: "failure",
    output: { title: "1 error", summary: `LINT-SUMMARY-${n}` },
    annotations: [{ path: "hello.txt", start_line: 1, annotation_level: "failure", message: `LINT-ANNOTATION-${n}: greeting must be capitalised` }],
    log: [`${at} Run npm run lint`, `${at} > eslint . (took ${id % 7}.${id % 10}s)`, `${at} hello.txt:1 LINT-LOG-${n}`, `${at} ##[error]Process completed with exit code 1.`].join("\n"),
  };
}
const passing = (id: number, name: string, app?: FakeCommitCheck["app"]): FakeCommitCheck => ({ id, name, conclusion: "success", ...(app ? { app } : {}) });
/** Hamster's own check run on the commit: app 1 is the test app. */
const hamsterCheck = (id: number): FakeCommitCheck => ({ id, name: "Hamster", conclusion: "failure", app: { id: 1, slug: "hamster-deliver" } });

function linking(payload: Record<string, any>, sha: string) {
  payload.installation = { id: 1 };
  payload.repository.id = REPO_ID;
  payload.repository.clone_url = scenario.remote.url;
  payload.repository.default_branch = "main";
  return [{ url: "", id: 1, number: pr, head: { ref: WORK_BRANCH, sha, repo: { id: REPO_ID } }, base: { ref: "main", sha: "0".repeat(40), repo: { id: REPO_ID } } }];
}

/** Real payloads from @octokit/webhooks-examples, about the commit `sha` of the pull request. */
function checkRunCompleted(sha: string, name = "lint", conclusion = "failure", app = { id: 15368, slug: "github-actions" }) {
  const payload = loadExample("check_run", "completed");
  payload.check_run.pull_requests = linking(payload, sha);
  Object.assign(payload.check_run, { head_sha: sha, name, conclusion, app: { ...payload.check_run.app, ...app } });
  payload.check_run.check_suite.head_branch = WORK_BRANCH;
  return payload;
}
function checkSuiteCompleted(sha: string) {
  const payload = loadExample("check_suite", "completed");
  payload.check_suite.pull_requests = linking(payload, sha);
  Object.assign(payload.check_suite, { head_sha: sha, head_branch: WORK_BRANCH, conclusion: "failure" });
  return payload;
}
function workflowRunCompleted(sha: string, fields: Record<string, unknown> = {}) {
  const payload = loadExample("workflow_run", "completed");
  payload.workflow_run.pull_requests = linking(payload, sha);
  Object.assign(payload.workflow_run, { head_sha: sha, head_branch: WORK_BRANCH, conclusion: "failure", name: "CI", display_title: "Add hello.txt", path: ".github/workflows/ci.yml", ...fields });
  return payload;
}

/** A fix: the agent writes `file` and reports. */
function scriptFixModel(file: string) {
  return mockAnthropic([
    reply([text("- [ ] Fix the lint error")], "end_turn"),
    reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: file, file_text: `${file}\n` })], "tool_use"),
    reply([text("Fixed.")], "end_turn"),
    reply([text(evidenceReport(FULL_EVIDENCE, `Fixed the lint error in ${file}.`))], "end_turn"),
  ]);
}

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => (scenario = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("the repository's checks failing on a Hamster PR's head start one fix, with the checks' names, annotations and log tails", async () => {
    const head = await deliverFirstRun();
    github.commitChecks[head] = [failingLint(501), passing(502, "build", { id: 77, slug: "other-ci" }), hamsterCheck(503)];
    const model = scriptFixModel("fix-1.txt");
    // A flood: every check, its suite and its workflow finish at once, some of them twice.
    await Promise.all([
      scenario.app.receive("check_run", checkRunCompleted(head)),
      scenario.app.receive("check_run", checkRunCompleted(head, "build", "success", { id: 77, slug: "other-ci" })),
      scenario.app.receive("check_run", checkRunCompleted(head, "lint")),
      scenario.app.receive("check_suite", checkSuiteCompleted(head)),
      scenario.app.receive("workflow_run", workflowRunCompleted(head)),
    ]);
    await scenario.app.hamster.idle();

    const runs = runRows();
    expect(runs.map((r) => [r.state, r.trigger])).toEqual([
      ["succeeded", "label"],
      ["succeeded", "ci"],
    ]);
    expect(runs[1]).toMatchObject({ followUpOf: runs[0]!.id, workBranch: WORK_BRANCH, prNumber: pr });
    expect(await readRemoteFile(scenario.remote.dir, WORK_BRANCH, "fix-1.txt")).toBe("fix-1.txt\n");
    const prompt = JSON.stringify(model.requests[0].messages);
    for (const seen of ["`lint`: failure", "LINT-SUMMARY-1", "LINT-ANNOTATION-1", "`hello.txt:1`", "LINT-LOG-1", "Process completed with exit code 1.", "Spelling error in the README file"]) {
      expect(prompt).toContain(seen);
    }
    // Hamster's own check run is not the repository's CI, and the log comes without GitHub's timestamps.
    expect(prompt).not.toContain("`Hamster`");
    expect(prompt).not.toMatch(/2025-01-01T12:00/);
    expect(github.callsTo("GET", /^\/actions\/jobs\/501\/logs$/)).toHaveLength(1);
    // The flood's other events found the commit handled: no "a run is already active" replies.
    expect(github.comments.filter((c) => !c.body.includes("hamster:status"))).toEqual([]);
    expect(github.callsTo("POST", /^\/pulls$/)).toEqual([]);
    expect(github.comments.find((c) => c.body.includes(`hamster:status run=${runs[1]!.id}`))!.issueNumber).toBe(pr);
  });
});

describe("fixing CI", () => {
  beforeEach(async () => (scenario = await startE2eScenario()));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("stops early, and says so on the PR, when after a fix the same checks fail the same way", async () => {
    const first = await deliverFirstRun();
    github.commitChecks[first] = [failingLint(601)];
    scriptFixModel("fix-1.txt");
    await scenario.app.receive("check_run", checkRunCompleted(first));
    await scenario.app.hamster.idle();
    const second = await headOfBranch();
    expect(second).not.toBe(first);

    // The same failure on the fix's commit: other job id, other timestamps and durations.
    github.commitChecks[second] = [failingLint(677)];
    await scenario.app.receive("workflow_run", workflowRunCompleted(second));
    await scenario.app.hamster.idle();
    expect(runRows().map((r) => r.trigger)).toEqual(["label", "ci"]);
    const said = github.comments.filter((c) => c.issueNumber === pr && c.body.includes("Hamster stops fixing the checks"));
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(`after its fix (run #${runRows()[1]!.id}), the same checks fail the same way (\`lint\`)`);
  });

  it("makes at most ci_fix.attempts fixes per pull request, then says so once", async () => {
    let head = await deliverFirstRun({ files: { ".github/hamster.yml": "ci_fix:\n  attempts: 2\n" } });
    for (const n of [1, 2]) {
      github.commitChecks[head] = [failingLint(700 + n, n)];
      scriptFixModel(`fix-${n}.txt`);
      await scenario.app.receive("check_run", checkRunCompleted(head));
      await scenario.app.hamster.idle();
      head = await headOfBranch();
    }
    expect(runRows().map((r) => [r.trigger, r.state])).toEqual([
      ["label", "succeeded"],
      ["ci", "succeeded"],
      ["ci", "succeeded"],
    ]);
    // Each fix saw its own failure, told as the attempt it was.
    github.commitChecks[head] = [failingLint(703, 3)];
    await scenario.app.receive("check_run", checkRunCompleted(head));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(3);
    const said = github.comments.filter((c) => c.issueNumber === pr && c.body.includes("attempts to fix the checks"));
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain("Hamster has made 2 attempts to fix the checks on this pull request (`ci_fix.attempts`");
  });

  it("does nothing with `ci_fix: false`, while checks still run, when they pass, or for Hamster's own check run and workflow", async () => {
    const head = await deliverFirstRun({ files: { ".github/hamster.yml": "ci_fix: false\n" } });
    github.commitChecks[head] = [failingLint(801)];
    await scenario.app.receive("check_run", checkRunCompleted(head));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);

    github = ciGitHub({}, pr);
    // Still running: a later event decides.
    github.commitChecks[head] = [failingLint(802), { ...passing(803, "test"), status: "in_progress", conclusion: null }];
    await scenario.app.receive("check_run", checkRunCompleted(head));
    // All pass (Hamster's own failing check is not CI).
    github.commitChecks[head] = [passing(804, "lint"), hamsterCheck(805)];
    await scenario.app.receive("check_suite", checkSuiteCompleted(head));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);

    // Hamster's own check run and its own Actions job finishing are not looked at at all.
    github = ciGitHub({}, pr);
    github.commitChecks[head] = [failingLint(806)];
    await scenario.app.receive("check_run", checkRunCompleted(head, "Hamster", "failure", { id: 1, slug: "hamster-deliver" }));
    await scenario.app.receive("workflow_run", workflowRunCompleted(head, { display_title: "Hamster run 1 attempt 1", name: "Hamster", path: ".github/workflows/hamster.yml" }));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);
    expect(github.callsTo("GET", /check-runs/)).toEqual([]);
    expect(github.comments).toEqual([]);
  });

  it("ignores checks on a commit that is not a Hamster pull request's head, without a call", async () => {
    const head = await deliverFirstRun();
    github.commitChecks["*"] = [failingLint(901)];
    const elsewhere = checkRunCompleted("a".repeat(40));
    elsewhere.check_run.pull_requests = [];
    elsewhere.check_run.check_suite.head_branch = "feature/other";
    await scenario.app.receive("check_run", elsewhere);
    const otherPull = checkRunCompleted(head);
    otherPull.check_run.pull_requests[0].number = 4242;
    await scenario.app.receive("check_run", otherPull);
    // A commit the pull request has moved on from.
    await scenario.app.receive("check_run", checkRunCompleted("b".repeat(40)));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);
    expect(github.callsTo("GET", /check-runs/)).toEqual([]);
  });
});

describe("a CI failure while a run is active", () => {
  beforeEach(async () => {
    scenario = await startE2eScenario();
    await scenario.app.close();
    scenario = { ...scenario, app: await createTestApp({ env: { HAMSTER_CONCURRENCY: "2" } }) };
  });
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("waits for the run to end, then looks at the pull request's head again", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The pull request the run opens is GitHub's own here: its head is where the branch is.
    github = ciGitHub();
    const first = scriptHappyModel(undefined, { doneAfter: gate });
    await scenario.app.receive("issues", labeledPayload(scenario.remote.url));
    await waitFor("the agent at work", () => first.requests.length >= 2);
    pr = runRows()[0]!.prNumber!;
    // CI fails on the branch's first commit while the run is still at work.
    const early = await headOfBranch();
    github.commitChecks["*"] = [failingLint(1001)];
    await scenario.app.receive("check_run", checkRunCompleted(early));
    await waitFor("the failure to be looked at", () => github.callsTo("GET", /^\/pulls\/\d+$/).length === 1);
    expect(runRows()).toHaveLength(1);
    expect(github.callsTo("GET", /check-runs/)).toEqual([]);

    const fix = scriptFixModel("fix-1.txt");
    release();
    await scenario.app.hamster.idle();
    const runs = runRows();
    expect(runs.map((r) => [r.trigger, r.state])).toEqual([
      ["label", "succeeded"],
      ["ci", "succeeded"],
    ]);
    // Looked at again on the head the first run delivered, not on the commit the event was about.
    expect(Date.parse(runs[1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(runs[0]!.finishedAt!));
    expect(github.callsTo("GET", /^\/commits\/[0-9a-f]{40}\/check-runs$/).map((c) => c.path)).not.toContain(`/repos/Codertocat/Hello-World/commits/${early}/check-runs`);
    expect(JSON.stringify(fix.requests[0].messages)).toContain("LINT-ANNOTATION-1");
  });
});
