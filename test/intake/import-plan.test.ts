import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { replaceScenarioGitHub, scenarioGitHub, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeGitHubOptions } from "../helpers/github.js";
import { commentPayload } from "../helpers/scenario.js";

/* `/hamster import <path>` on a brief, through the app, against the fake GitHub. */

const FILE = ".taskmaster/tasks/tasks.json";
const TAGGED = readFileSync(new URL("../../fixtures/taskmaster/tagged-tasks.json", import.meta.url), "utf8");
const BRIEF = 1;
const BRIEF_BODY = "We add sessions to the app.";

let app: TestApp;
let github: FakeGitHub;

async function comment(body: string, sender?: string) {
  const payload = commentPayload("https://example.invalid/hello-world.git", body, sender);
  payload.issue.body = github.issues.get(BRIEF)?.body ?? BRIEF_BODY;
  await app.receive("issue_comment", payload);
  await app.hamster.idle();
}

function setGitHub(overrides: Partial<FakeGitHubOptions>) {
  github = replaceScenarioGitHub({ issues: { [BRIEF]: { title: "Sessions", body: BRIEF_BODY } }, subIssues: {}, blockedBy: {}, ...overrides });
}

/** The calls that change issues, in order, comments aside. */
function issueWrites(): string[] {
  return github.calls
    .filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens") && !c.path.endsWith("/comments") && !c.path.endsWith("/reactions"))
    .map((c) => `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, "")}`);
}

const lastReply = () => github.comments.at(-1)?.body ?? "";

beforeEach(async () => {
  disableNetwork();
  github = scenarioGitHub();
  app = await createTestApp({ serve: false });
});

afterEach(async () => {
  await app.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("/hamster import", () => {
  it("makes each task a sub-issue of the brief with its dependencies, and says what it did", async () => {
    setGitHub({ files: { [FILE]: TAGGED } });
    await comment(`/hamster import ${FILE}`);

    const created = [...github.issues.values()].filter((i) => i.number !== BRIEF);
    expect(created.map((i) => i.title)).toEqual(["Add the session store", "Add the login endpoint", "Add the logout endpoint", "Add the account page"]);
    const [a, b, c, d] = created.map((i) => i.number);
    expect(github.subIssues?.[BRIEF]).toEqual([a, b, c, d]);
    expect(github.blockedBy).toEqual({ [b!]: [a], [c!]: [a], [d!]: [b, c] });
    expect(lastReply()).toContain(`Imported \`${FILE}\` (tag \`master\`): 4 tasks, 4 created, 0 updated, 0 unchanged.`);
    expect(lastReply()).toContain(`| 2 | #${b} | created |`);
    expect(lastReply()).toContain("Skipped as done or cancelled: task 0 (done).");
    expect(lastReply()).toContain("Added 4 issue dependencies.");
  });

  it("changes nothing the second time", async () => {
    setGitHub({ files: { [FILE]: TAGGED } });
    await comment(`/hamster import ${FILE}`);
    const before = issueWrites().length;
    await comment(`/hamster import ./${FILE}`);
    expect(issueWrites().slice(before)).toEqual([]);
    expect(lastReply()).toContain("4 tasks, 0 created, 0 updated, 4 unchanged.");
  });

  it("reads the tag asked for", async () => {
    setGitHub({ files: { [FILE]: TAGGED } });
    await comment(`/hamster import ${FILE} tag=feature-audit`);
    expect([...github.issues.values()].map((i) => i.title)).toEqual(["Sessions", "Record an audit event per login"]);
  });

  it.each([
    ["a file that is not JSON", '{\n  "tasks": [\n    {"id": 1,}\n  ]\n}\n', `\`${FILE}\`, line 3, column 14: not valid JSON`],
    ["a shape it does not know", JSON.stringify({ tasks: [{ id: 1, title: "" }] }, null, 2), `${FILE}, line 5, column 16 (\`tasks[0].title\`): must be a non-empty title`],
    ["a cycle", JSON.stringify({ tasks: [{ id: 1, title: "a", dependencies: [2] }, { id: 2, title: "b", dependencies: [1] }] }), "a dependency cycle, where each task waits on the next: task 1 → task 2 → task 1"],
    ["a missing dependency", JSON.stringify({ tasks: [{ id: 1, title: "a", dependencies: [7] }] }), "task 1 depends on task 7, which is not a task of this plan"],
    ["more than 50 tasks", JSON.stringify({ tasks: Array.from({ length: 51 }, (_, i) => ({ id: i + 1, title: `t${i}` })) }), "the plan has 51 tasks; at most 50"],
    ["nothing left to do", JSON.stringify({ tasks: [{ id: 1, title: "a", status: "done" }] }), "every task in it is done or cancelled"],
  ])("refuses %s, naming the problem, and changes nothing", async (_, text, problem) => {
    setGitHub({ files: { [FILE]: text } });
    await comment(`/hamster import ${FILE}`);
    expect(issueWrites()).toEqual([]);
    expect(lastReply()).toContain(`I couldn't import \`${FILE}\``);
    expect(lastReply()).toContain(problem.replace(/^`(.*?)`/, "$1"));
  });

  it("says when the file is not there", async () => {
    setGitHub({});
    await comment("/hamster import plan/tasks.json");
    expect(lastReply()).toContain("there is no such file on the default branch `main`");
    expect(issueWrites()).toEqual([]);
  });

  it("is for people with write access only", async () => {
    setGitHub({ files: { [FILE]: TAGGED } });
    await comment(`/hamster import ${FILE}`, "reader");
    expect(issueWrites()).toEqual([]);
    expect(lastReply()).toContain("Only people with write access");
  });
});
