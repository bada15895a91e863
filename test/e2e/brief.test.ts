import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentProvider, AgentSession } from "../../src/agent/provider.js";
import { createTestApp, disableNetwork, loadExample, type TestApp } from "../helpers/app.js";
import { replaceScenarioGitHub, scenarioGitHub, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import { fakeGitHub, type FakeGitHubOptions } from "../helpers/github.js";
import { createBareRemote, readRemoteFile, runTestGit, type BareRemote } from "../helpers/git.js";
import { commentPayload, evidenceReport, issuePayload, OWNER, REPO, REPO_ID } from "../helpers/scenario.js";
import { createGate, waitFor, type Gate } from "../helpers/wait.js";

/**
 * A brief delivered end to end against the fake GitHub: its sub-issues (or task list) read,
 * the tasks run in the order of their dependencies by a scripted agent that writes one file
 * per task, pull requests "merged" in the bare remote and announced by webhooks, the plan
 * table kept up to date on the brief.
 */

const BRIEF = 10;
// The diamond: A (#12); B (#13) and C (#14) after A; D (#15) after B and C.
const [A, B, C, D] = [12, 13, 14, 15];
const TITLES: Record<number, string> = { [A]: "Add the client", [B]: "Add retries", [C]: "Add logging", [D]: "Document it" };

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;

/** What the scripted agent was asked, in the order sessions started. */
interface Session {
  readonly task: number;
  readonly brief: string | undefined;
}

/**
 * An agent that plans, writes `task-<n>.txt` for task n and reports; it fails the tasks in
 * `failing`, and holds the implementing turn of a task with a gate until the gate opens.
 */
function createScriptedAgent(options: { failing?: Set<number>; gates?: Map<number, Gate> } = {}) {
  const sessions: Session[] = [];
  const agent: AgentProvider = {
    name: "claude",
    async startSession(request): Promise<AgentSession> {
      const task = request.task.number;
      sessions.push({ task, brief: request.context.brief?.source });
      return {
        async send(_prompt, phase) {
          if (phase === "planning") return `- [ ] Write task-${task}.txt`;
          if (phase === "implementing") {
            await options.gates?.get(task)?.promise;
            if (options.failing?.has(task)) throw new Error(`scripted failure of task ${task}`);
            await writeFile(join(request.workdir, `task-${task}.txt`), `${task}\n`);
            return "Done.";
          }
          if (phase === "delivering") return evidenceReport([], `Wrote task-${task}.txt.`);
          return "Fixed.";
        },
        totals: () => ({ turns: 3, usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.25 }),
        commandsRun: () => [],
        close: async () => undefined,
      };
    },
  };
  return { agent, sessions };
}

/** The fake GitHub with the brief and its tasks as sub-issues with issue dependencies, unless `overrides` say otherwise. */
function briefGitHub(overrides: Partial<FakeGitHubOptions> = {}, previous?: FakeGitHub): FakeGitHub {
  github = replaceScenarioGitHub({
    issues: {
      [BRIEF]: { title: "Widget client", body: "Build a widget client: fetch, retry, log.\n\nBrief: this issue." },
      ...Object.fromEntries(Object.entries(TITLES).map(([n, title]) => [n, { title, body: `Implement: ${title}.` }])),
    },
    subIssues: { [BRIEF]: [A, B, C, D] },
    blockedBy: { [B]: [A], [C]: [A], [D]: [B, C] },
    ...overrides,
  }, previous);
  return github;
}

async function startApp(agent: AgentProvider, options: { dataDir?: string } = {}): Promise<void> {
  app = await createTestApp({ builtinAgent: agent, executor: "local", ...options });
}

/** A comment on the brief issue. */
async function commentOnBrief(body: string): Promise<void> {
  const payload = commentPayload(remote.url, body);
  payload.issue.number = BRIEF;
  payload.issue.title = "Widget client";
  payload.issue.body = github.issues.get(BRIEF)?.body ?? "";
  payload.issue.html_url = payload.issue.html_url.replace(/\/\d+$/, `/${BRIEF}`);
  await app.receive("issue_comment", payload);
  await app.hamster.idle();
}

const runsOf = (task: number) => app.hamster.runs.listRunsForTask(REPO_ID, task);
/** The task's newest pull request (a failed run's empty one is closed, and its retry opens another). */
const pullOf = (task: number) => github.pulls.filter((p) => p.head.startsWith(`hamster/${task}-`)).at(-1);
const planTable = () => github.comments.find((c) => c.issueNumber === BRIEF && c.body.startsWith(`<!-- hamster:plan issue=${BRIEF} -->`));
const repliesOnBrief = () => github.comments.filter((c) => c.issueNumber === BRIEF && !c.body.startsWith("<!-- hamster:plan"));

/** Merges the task's pull request in the bare remote, as GitHub would, and sends `pull_request.closed`. */
async function mergeTask(task: number): Promise<void> {
  const pull = pullOf(task);
  if (!pull) throw new Error(`task ${task} has no pull request`);
  await mergeInRemote(pull.head, pull.base);
  pull.state = "closed";
  pull.merged = true;
  await app.receive("pull_request", pullRequestClosed(pull.number, true));
  await app.hamster.idle();
}

function pullRequestClosed(number: number, merged: boolean): Record<string, any> {
  const payload = loadExample("pull_request", "closed");
  payload.installation = { id: 1 };
  payload.repository.id = REPO_ID;
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.merged = merged;
  return payload;
}

async function mergeInRemote(branch: string, into: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "hamster-merge-"));
  try {
    await runTestGit(["clone", "--quiet", "--branch", into, remote.url, work]);
    await runTestGit(["fetch", "--quiet", "origin", `refs/heads/${branch}:refs/remotes/origin/${branch}`], work);
    await runTestGit(["merge", "--quiet", "--no-ff", "--no-edit", `origin/${branch}`], work);
    await runTestGit(["push", "--quiet", "origin", `HEAD:refs/heads/${into}`], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The table row of a task: "| #12 Add the client | ✅ done | — | …". */
const rowOf = (task: number) => planTable()?.body.split("\n").find((line) => line.startsWith(`| #${task} `)) ?? "";

beforeEach(async () => {
  remote = await createBareRemote();
});

afterEach(async () => {
  await stopE2eScenario(app, remote);
});

describe("/deliver all on a brief", () => {
  it("delivers the diamond in order: A, then B and C, then D, each after its blockers' pull requests merged", async () => {
    briefGitHub();
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);

    await commentOnBrief("/deliver all");
    // Only A could start; it ran, opened its pull request, and waits for its merge.
    expect(sessions.map((s) => s.task)).toEqual([A]);
    expect(runsOf(A)).toMatchObject([{ state: "succeeded", trigger: "comment", requestedBy: "Codertocat" }]);
    expect(runsOf(A)[0]!.request.brief).toEqual({ number: BRIEF });
    expect(rowOf(A)).toContain("👀 in review");
    expect(rowOf(B)).toContain("⏸️ waiting");
    expect(planTable()!.body).toContain("- #13 waits on #12 (its pull request is not merged yet).");
    expect(github.reactions).toContainEqual(expect.objectContaining({ content: "eyes" }));

    await mergeTask(A);
    expect(sessions.map((s) => s.task).slice(1).sort()).toEqual([B, C]);
    expect(runsOf(D)).toEqual([]);
    // B started from main with A merged into it.
    expect(await readRemoteFile(remote.dir, pullOf(B)!.head, "task-12.txt")).toBe("12\n");

    await mergeTask(B);
    expect(runsOf(D)).toEqual([]);
    await mergeTask(C);
    expect(sessions.map((s) => s.task).at(-1)).toBe(D);
    for (const task of [A, B, C]) expect(await readRemoteFile(remote.dir, pullOf(D)!.head, `task-${task}.txt`)).toBe(`${task}\n`);
    await mergeTask(D);

    // Every agent read the brief issue as its brief.
    expect(sessions.map((s) => s.brief)).toEqual(Array(4).fill(`issue #${BRIEF}`));
    // Each run began after every run of its blockers had ended.
    const ended = (task: number) => Date.parse(runsOf(task)[0]!.finishedAt!);
    const began = (task: number) => Date.parse(runsOf(task)[0]!.createdAt);
    for (const [task, blockers] of [[B, [A]], [C, [A]], [D, [B, C]]] as const) for (const blocker of blockers) expect(began(task)).toBeGreaterThanOrEqual(ended(blocker));

    // One plan table, edited in place: every task done, the total, its pull requests.
    const tables = github.comments.filter((c) => c.body.startsWith("<!-- hamster:plan"));
    expect(tables).toHaveLength(1);
    expect(tables[0]!.edits.length).toBeGreaterThanOrEqual(4);
    expect(tables[0]!.body).toContain("4 of 4 tasks done");
    expect(tables[0]!.body).toContain("✅ Every task is done.");
    expect(tables[0]!.body).toContain("**Total cost:** $1.00");
    expect(rowOf(D)).toBe(`| #15 Document it | ✅ done | #13, #14 | [#${pullOf(D)!.number}](https://github.com/Codertocat/Hello-World/pull/${pullOf(D)!.number}) | $0.2500 |`);
    expect(repliesOnBrief()).toEqual([]);
  });

  it("stops D when B fails, not C; /retry on the brief starts B again, and D after it", async () => {
    briefGitHub();
    const failing = new Set([B]);
    const { agent, sessions } = createScriptedAgent({ failing });
    await startApp(agent);

    await commentOnBrief("/deliver all");
    await mergeTask(A);
    expect(runsOf(B)).toMatchObject([{ state: "failed" }]);
    expect(runsOf(C)).toMatchObject([{ state: "succeeded" }]);
    await mergeTask(C);
    expect(runsOf(D)).toEqual([]);
    expect(rowOf(B)).toContain("❌ failed");
    expect(rowOf(D)).toContain("⛔ stopped");
    expect(planTable()!.body).toContain("- #15 will not start: #13 failed.");
    expect(planTable()!.body).toContain("The delivery is over, but not every task is done.");

    failing.clear();
    await commentOnBrief("/retry");
    expect(runsOf(B).map((r) => [r.state, r.trigger])).toEqual([
      ["failed", "comment"],
      ["succeeded", "retry"],
    ]);
    await mergeTask(B);
    expect(runsOf(D)).toMatchObject([{ state: "succeeded" }]);
    expect(sessions.filter((s) => s.task === D)).toHaveLength(1);
    await mergeTask(D);
    expect(planTable()!.body).toContain("✅ Every task is done.");
  });

  it("with brief.stack, starts a dependent on its blocker's branch before the merge, and retargets its pull request when the blocker merges", async () => {
    briefGitHub({
      subIssues: { [BRIEF]: [A, B] },
      blockedBy: { [B]: [A] },
      files: { ".github/hamster.yml": "brief:\n  stack: true\n" },
    });
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);

    await commentOnBrief("/deliver all");
    // B went as soon as A's pull request was there, on top of A's branch, its pull request into it.
    expect(sessions.map((s) => s.task)).toEqual([A, B]);
    const [pullA, pullB] = [pullOf(A)!, pullOf(B)!];
    expect(pullA.base).toBe("main");
    expect(pullB.base).toBe(pullA.head);
    expect(runsOf(B)[0]!.request).toMatchObject({ baseBranch: pullA.head, targetBranch: pullA.head });
    expect(await readRemoteFile(remote.dir, pullB.head, "task-12.txt")).toBe("12\n");

    await mergeTask(A);
    expect(github.callsTo("PATCH", new RegExp(`^/pulls/${pullB.number}$`)).map((c) => c.body)).toContainEqual({ base: "main" });
    expect(pullB.base).toBe("main");
    await mergeTask(B);
    expect(planTable()!.body).toContain("✅ Every task is done.");
  });

  it("/cancel on the brief cancels its running task and starts nothing more", async () => {
    briefGitHub({ subIssues: { [BRIEF]: [A, B] }, blockedBy: {} });
    const gate = createGate();
    const { agent } = createScriptedAgent({ gates: new Map([[A, gate], [B, gate]]) });
    await startApp(agent);

    const payload = commentPayload(remote.url, "/deliver all");
    Object.assign(payload.issue, { number: BRIEF, title: "Widget client", body: "" });
    await app.receive("issue_comment", payload);
    await waitFor("both tasks running", () => [A, B].every((task) => runsOf(task)[0]?.state === "implementing"));
    const cancel = commentPayload(remote.url, "/cancel");
    Object.assign(cancel.issue, { number: BRIEF, title: "Widget client", body: "" });
    await app.receive("issue_comment", cancel);
    await waitFor("the reply to /cancel", () => repliesOnBrief().length > 0);
    // The agent's turn ends; the runs end as cancelled.
    gate.open();
    await app.hamster.idle();

    expect(runsOf(A)).toMatchObject([{ state: "cancelled", cancelledBy: "Codertocat" }]);
    expect(runsOf(B)).toMatchObject([{ state: "cancelled" }]);
    expect(repliesOnBrief().map((c) => c.body)).toContainEqual(expect.stringContaining("2 running tasks are being cancelled"));
    expect(planTable()!.body).toContain("🚫 Stopped with `/cancel`");
    expect(rowOf(A)).toContain("🚫 cancelled");
  });

  it("goes on after a restart: a merge while the app was down is found, and what it unblocked starts", async () => {
    briefGitHub({ subIssues: { [BRIEF]: [A, B] }, blockedBy: { [B]: [A] } });
    const dataDir = await mkdtemp(join(tmpdir(), "hamster-data-"));
    try {
      const { agent, sessions } = createScriptedAgent();
      await startApp(agent, { dataDir });
      await commentOnBrief("/deliver all");
      await app.close();

      // Merged on GitHub while no app listened: no webhook arrives.
      const pull = pullOf(A)!;
      await mergeInRemote(pull.head, pull.base);
      Object.assign(pull, { state: "closed", merged: true });
      briefGitHub({ subIssues: { [BRIEF]: [A, B] }, blockedBy: { [B]: [A] } }, github);
      await startApp(agent, { dataDir });
      await app.hamster.idle();

      expect(sessions.map((s) => s.task)).toEqual([A, B]);
      expect(runsOf(B)).toMatchObject([{ state: "succeeded" }]);
      expect(runsOf(A)).toHaveLength(1);
      expect(rowOf(A)).toContain("✅ done");
      expect(rowOf(B)).toContain("👀 in review");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a task's issue closed as completed", () => {
  it("counts as done: what waits on it starts, without a run of its own", async () => {
    briefGitHub({ subIssues: { [BRIEF]: [A, B] }, blockedBy: { [B]: [A] } });
    const gate = createGate();
    const { agent, sessions } = createScriptedAgent({ gates: new Map([[A, gate]]) });
    await startApp(agent);
    const payload = commentPayload(remote.url, "/deliver all");
    Object.assign(payload.issue, { number: BRIEF, title: "Widget client", body: "" });
    await app.receive("issue_comment", payload);
    await waitFor("A running", () => runsOf(A)[0]?.state === "implementing");

    // Someone did A by hand, and closed it as completed.
    const closed = issuePayload(loadExample("issues", "labeled"), remote.url);
    Object.assign(closed, { action: "closed" });
    delete closed.label;
    Object.assign(closed.issue, { number: A, state: "closed", state_reason: "completed" });
    await app.receive("issues", closed);
    gate.open();
    await app.hamster.idle();

    expect(sessions.map((s) => s.task)).toEqual([A, B]);
    expect(rowOf(A)).toContain("✅ done");
    expect(rowOf(B)).toContain("👀 in review");
  });
});

describe("a brief that cannot be delivered", () => {
  const expectNothingStarted = () => {
    for (const task of [A, B, C, D]) expect(runsOf(task)).toEqual([]);
    expect(planTable()).toBeUndefined();
  };

  it("names the members of a dependency cycle", async () => {
    briefGitHub({ blockedBy: { [A]: [D], [B]: [A], [C]: [A], [D]: [B, C] } });
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    expect(repliesOnBrief().map((c) => c.body)).toEqual([
      expect.stringContaining("I couldn't deliver this brief"),
    ]);
    expect(repliesOnBrief()[0]!.body).toContain("a dependency cycle, where each task waits on the next: #12 → #15 → #13 → #12");
    expectNothingStarted();
  });

  it("names a dependency on an issue that is not a task, and a listed task that cannot be read (a task list, no sub-issues)", async () => {
    briefGitHub({
      subIssues: undefined,
      blockedBy: undefined,
      issues: {
        [BRIEF]: { title: "Widget client", body: "- [ ] #12\n- [ ] #13\n- [ ] #77" },
        [A]: { title: TITLES[A]!, body: "Implement it." },
        [B]: { title: TITLES[B]!, body: "Depends on #12, #99" },
      },
    });
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    const [reply] = repliesOnBrief();
    expect(reply!.body).toContain("#77 is listed as a task, but it does not exist, is not an issue, or the app cannot read it");
    expect(reply!.body).toContain("#13 depends on #99, which is not a task of this plan");
    expectNothingStarted();
  });

  it("refuses more than 50 tasks", async () => {
    const many = Array.from({ length: 51 }, (_, i) => 100 + i);
    briefGitHub({ subIssues: { [BRIEF]: many }, blockedBy: {}, issues: { [BRIEF]: { title: "Huge", body: "" } } });
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    expect(repliesOnBrief()[0]!.body).toContain("the plan has 51 tasks; at most 50 are delivered together");
    expect(app.hamster.runs.listRunsForRepos({ repoIds: [REPO_ID], limit: 100 })).toEqual([]);
  });

  it("says an issue without tasks is not a brief", async () => {
    briefGitHub({ subIssues: {}, issues: { [BRIEF]: { title: "Just a task", body: "Do it." } } });
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    expect(repliesOnBrief()[0]!.body).toContain("This issue has no tasks to deliver");
    expectNothingStarted();
  });
});

describe("the hamster:deliver label", () => {
  it("delivers an issue with sub-issues as a brief", async () => {
    briefGitHub({ subIssues: { [BRIEF]: [A] }, blockedBy: {} });
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);
    const payload = issuePayload(loadExample("issues", "labeled"), remote.url);
    payload.label.name = "hamster:deliver";
    Object.assign(payload.issue, { number: BRIEF, title: "Widget client", body: "Build it.", sub_issues_summary: { total: 1, completed: 0, percent_completed: 0 } });
    await app.receive("issues", payload);
    await app.hamster.idle();
    expect(sessions.map((s) => s.task)).toEqual([A]);
    expect(runsOf(BRIEF)).toEqual([]);
    expect(rowOf(A)).toContain("👀 in review");
  });
});

describe("code in another repository of the installation: repo=owner/name", () => {
  const CODE_REPO = "widgets-api";
  const CODE_REPO_ID = 999_001;
  let codeRemote: BareRemote;
  let code: ReturnType<typeof fakeGitHub>;

  beforeEach(async () => {
    codeRemote = await createBareRemote();
  });
  afterEach(async () => {
    await codeRemote.cleanup();
  });

  /**
   * The issue's repository (the scenario's) and the code's, both of installation 1. The code's
   * fake comes first: it answers GraphQL (its pull requests are the only ones) and any
   * repository's contents.
   */
  function twoRepositories(overrides: Partial<FakeGitHubOptions> = {}, options: { issueRepoConfig?: string; codeRoles?: Record<string, string> } = {}): void {
    nock.cleanAll();
    disableNetwork();
    if (options.issueRepoConfig !== undefined) {
      // Ahead of the code's fake, which answers every repository's contents.
      nock("https://api.github.com")
        .persist()
        .get(new RegExp(`^/repos/${OWNER}/${REPO}/contents/\\.github(/|%2F)hamster\\.yml`))
        .reply(200, options.issueRepoConfig, { "content-type": "application/vnd.github.raw; charset=utf-8" });
    }
    code = fakeGitHub({
      owner: OWNER,
      repo: CODE_REPO,
      installationId: 1,
      roles: options.codeRoles ?? { Codertocat: "admin" },
      branches: ["main"],
      repository: { id: CODE_REPO_ID, cloneUrl: codeRemote.url },
    });
    github = scenarioGitHub({
      issues: {
        [BRIEF]: { title: "Widget client", body: "Build a widget client." },
        ...Object.fromEntries(Object.entries(TITLES).map(([n, title]) => [n, { title, body: `Implement: ${title}.` }])),
      },
      subIssues: { [BRIEF]: [A, B, C, D] },
      blockedBy: {},
      ...overrides,
    });
  }

  it("works in the code's repository and keeps the conversation on the issue: the pull request there closes owner/repo#N", async () => {
    twoRepositories();
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);
    const payload = commentPayload(remote.url, `/deliver repo=${OWNER}/${CODE_REPO}`);
    await app.receive("issue_comment", payload);
    await app.hamster.idle();

    const [run] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
    expect(run).toMatchObject({ state: "succeeded", repoId: CODE_REPO_ID, repoName: CODE_REPO, issueNumber: 1 });
    expect(run!.request.issueRepo).toEqual({ id: REPO_ID, owner: OWNER, name: REPO, htmlUrl: `https://github.com/${OWNER}/${REPO}` });
    expect(sessions.map((s) => s.task)).toEqual([1]);
    // The work, the pull request and the check runs are the code's.
    expect(await readRemoteFile(codeRemote.dir, run!.workBranch!, "task-1.txt")).toBe("1\n");
    expect(code.pulls).toHaveLength(1);
    expect(code.pulls[0]!.body).toContain(`Closes ${OWNER}/${REPO}#1`);
    expect(code.checkRuns.length).toBeGreaterThan(0);
    expect(github.pulls).toEqual([]);
    expect(github.checkRuns).toEqual([]);
    // The status comment is on the issue, which is where its repository's people talk.
    expect(code.comments).toEqual([]);
    const status = github.comments.find((c) => c.issueNumber === 1 && c.body.includes(`hamster:status run=${run!.id}`));
    expect(status?.body).toContain(`https://github.com/${OWNER}/${CODE_REPO}/pull/${code.pulls[0]!.number}`);
    // The code's repository's settings were read, not the issue's.
    const configReads = code.calls.filter((c) => c.method === "GET" && c.path.endsWith("/contents/.github/hamster.yml")).map((c) => c.path);
    expect(configReads[0]).toBe(`/repos/${OWNER}/${CODE_REPO}/contents/.github/hamster.yml`);
    expect(configReads).not.toContain(`/repos/${OWNER}/${REPO}/contents/.github/hamster.yml`);
  });

  it("answers a repository the installation cannot see, and starts nothing", async () => {
    twoRepositories();
    nock("https://api.github.com").get(`/repos/${OWNER}/elsewhere`).reply(404, { message: "Not Found" });
    await startApp(createScriptedAgent().agent);
    await app.receive("issue_comment", commentPayload(remote.url, `/deliver repo=${OWNER}/elsewhere`));
    await app.hamster.idle();
    expect(github.comments.map((c) => c.body)).toEqual([expect.stringContaining(`Hamster cannot reach \`${OWNER}/elsewhere\``)]);
    expect(app.hamster.runs.listRunsForTask(REPO_ID, 1)).toEqual([]);
  });

  it("delivers a brief's tasks in the code's repository, its plan table on the brief, merges there moving it on", async () => {
    twoRepositories({ subIssues: { [BRIEF]: [A, B] }, blockedBy: { [B]: [A] } });
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);
    await commentOnBrief(`/deliver all repo=${OWNER}/${CODE_REPO}`);

    const pullA = code.pulls.find((p) => p.head.startsWith(`hamster/${A}-`))!;
    expect(pullA.body).toContain(`Closes ${OWNER}/${REPO}#${A}`);
    expect(rowOf(A)).toContain(`[#${pullA.number}](https://github.com/${OWNER}/${CODE_REPO}/pull/${pullA.number})`);
    expect(sessions).toEqual([{ task: A, brief: `issue #${BRIEF}` }]);

    const merged = pullRequestClosed(pullA.number, true);
    merged.repository.id = CODE_REPO_ID;
    Object.assign(pullA, { state: "closed", merged: true });
    await app.receive("pull_request", merged);
    await app.hamster.idle();
    expect(sessions.map((s) => s.task)).toEqual([A, B]);
    expect(rowOf(A)).toContain("✅ done");
    expect(app.hamster.runs.listRunsForTask(REPO_ID, B)).toMatchObject([{ state: "succeeded", repoId: CODE_REPO_ID }]);
  });

  it("delivers a task whose issue says `repo: owner/name` in that repository, the others in the brief's, in order", async () => {
    twoRepositories({
      issues: {
        [BRIEF]: { title: "Widget client", body: "Build a widget client." },
        [A]: { title: TITLES[A]!, body: `Implement: ${TITLES[A]}.` },
        [B]: { title: TITLES[B]!, body: `Implement: ${TITLES[B]}.\n\n**repo:** ${OWNER}/${CODE_REPO}\n` },
      },
      subIssues: { [BRIEF]: [A, B] },
      blockedBy: { [B]: [A] },
      // The code's fake answers GraphQL: a pull request of the brief's repository stays a draft.
    }, { issueRepoConfig: "ready_for_review: false\n" });
    const { agent, sessions } = createScriptedAgent();
    await startApp(agent);
    await commentOnBrief("/deliver all");

    // A is in the brief's own repository; B waits for it.
    expect(sessions.map((s) => s.task)).toEqual([A]);
    expect(pullOf(A)?.body).toContain(`Closes #${A}`);
    expect(code.pulls).toEqual([]);
    await mergeTask(A);

    expect(sessions.map((s) => s.task)).toEqual([A, B]);
    const pullB = code.pulls.find((p) => p.head.startsWith(`hamster/${B}-`))!;
    expect(pullB.body).toContain(`Closes ${OWNER}/${REPO}#${B}`);
    expect(await readRemoteFile(codeRemote.dir, pullB.head, `task-${B}.txt`)).toBe(`${B}\n`);
    expect(github.pulls.filter((p) => p.head.startsWith(`hamster/${B}-`))).toEqual([]);
    expect(app.hamster.runs.listRunsForTask(REPO_ID, B)).toMatchObject([{ state: "succeeded", repoId: CODE_REPO_ID }]);
    expect(rowOf(B)).toContain(`[#${pullB.number}](https://github.com/${OWNER}/${CODE_REPO}/pull/${pullB.number})`);
    // The task's repository's settings were read, and the sender's access there checked.
    expect(code.calls.map((c) => `${c.method} ${c.path}`)).toEqual(
      expect.arrayContaining([`GET /repos/${OWNER}/${CODE_REPO}/contents/.github/hamster.yml`, `GET /repos/${OWNER}/${CODE_REPO}/collaborators/Codertocat/permission`]),
    );

    const merged = pullRequestClosed(pullB.number, true);
    merged.repository.id = CODE_REPO_ID;
    Object.assign(pullB, { state: "closed", merged: true });
    await app.receive("pull_request", merged);
    await app.hamster.idle();
    expect(rowOf(B)).toContain("✅ done");
  });

  it("refuses a brief whose task names a repository where the sender cannot start runs, and starts nothing", async () => {
    twoRepositories(
      {
        issues: { [BRIEF]: { title: "Widget client", body: "Build a widget client." }, [A]: { title: TITLES[A]!, body: "a" }, [B]: { title: TITLES[B]!, body: `repo: ${OWNER}/${CODE_REPO}` } },
        subIssues: { [BRIEF]: [A, B] },
        blockedBy: { [B]: [A] },
      },
      { codeRoles: { Codertocat: "read" } },
    );
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    expect(repliesOnBrief().map((c) => c.body)).toEqual([expect.stringContaining(`Only people with write access to \`${OWNER}/${CODE_REPO}\``)]);
    expect(planTable()).toBeUndefined();
    expect(app.hamster.runs.listRunsForTask(REPO_ID, A)).toEqual([]);
  });

  it("names a task whose `repo:` line does not name one repository", async () => {
    twoRepositories({
      issues: { [BRIEF]: { title: "Widget client", body: "Build a widget client." }, [A]: { title: TITLES[A]!, body: "repo: widgets" }, [B]: { title: TITLES[B]!, body: "b" } },
      subIssues: { [BRIEF]: [A, B] },
      blockedBy: { [B]: [A] },
    });
    await startApp(createScriptedAgent().agent);
    await commentOnBrief("/deliver all");
    expect(repliesOnBrief().map((c) => c.body)).toEqual([expect.stringContaining(`#${A}: \`repo: widgets\` does not name a repository as \`repo: owner/name\``)]);
    expect(app.hamster.runs.listRunsForTask(REPO_ID, A)).toEqual([]);
  });
});
