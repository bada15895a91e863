import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { disableNetwork, generatePrivateKey, TestOctokit } from "../helpers/app.js";
import { captureText } from "../helpers/cli.js";
import { main } from "../../src/cli/main.js";
import { replaceScenarioGitHub, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeGitHubOptions } from "../helpers/github.js";
import { OWNER, REPO } from "../helpers/scenario.js";

/* `hamster import` through main(), signed in as the app, against the fake GitHub. */

const TAGGED = readFileSync(new URL("../../fixtures/taskmaster/tagged-tasks.json", import.meta.url), "utf8");
const LEGACY = readFileSync(new URL("../../fixtures/taskmaster/legacy-tasks.json", import.meta.url), "utf8");
const BRIEF = 1;
const APP_ID = "4242";

let dir: string;
let github: FakeGitHub;
let installationAuth: string[];

function setGitHub(overrides: Partial<FakeGitHubOptions> = {}, installed = true) {
  github = replaceScenarioGitHub({ issues: { [BRIEF]: { title: "Sessions", body: "We add sessions." } }, subIssues: {}, blockedBy: {}, ...overrides });
  installationAuth = [];
  nock("https://api.github.com")
    .persist()
    .get(`/repos/${OWNER}/${REPO}/installation`)
    .reply(function () {
      installationAuth.push(String(this.req.headers["authorization"]));
      return installed ? [200, { id: 1, account: { login: OWNER } }] : [404, { message: "Not Found" }];
    });
}

function writeTasks(text: string): string {
  const file = join(dir, "tasks.json");
  writeFileSync(file, text);
  return file;
}

/** `hamster …` with the tests' Octokit: GitHub's pace for writes (one a second) left out. */
async function runMain(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const out = captureText();
  const err = captureText();
  const code = await main(argv, { out: out.stream, err: err.stream, env, Octokit: TestOctokit });
  return { code, out: out.text(), err: err.text() };
}

const env = () => ({ APP_ID, PRIVATE_KEY: generatePrivateKey() });
const issueWrites = () => github.calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens"));

beforeEach(() => {
  disableNetwork();
  dir = mkdtempSync(join(tmpdir(), "hamster-import-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("hamster import", () => {
  it("finds the app's installation with its JWT and makes each task a sub-issue of the brief with its dependencies", async () => {
    setGitHub();
    const file = writeTasks(TAGGED);
    const { code, out, err } = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", String(BRIEF), file], env());

    expect(err).toBe("");
    expect(code).toBe(0);
    const jwt = installationAuth[0]?.replace(/^bearer /i, "") ?? "";
    expect(JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString())).toMatchObject({ iss: Number(APP_ID) });
    expect(github.calls.some((c) => c.path === "/app/installations/1/access_tokens")).toBe(true);
    const created = [...github.issues.values()].filter((i) => i.number !== BRIEF);
    expect(created.map((i) => i.title)).toEqual(["Add the session store", "Add the login endpoint", "Add the logout endpoint", "Add the account page"]);
    const [a, b, c, d] = created.map((i) => i.number);
    expect(github.subIssues?.[BRIEF]).toEqual([a, b, c, d]);
    expect(github.blockedBy).toEqual({ [b!]: [a], [c!]: [a], [d!]: [b, c] });
    expect(out).toContain(`Imported ${file} (tag master) into ${OWNER}/${REPO}#${BRIEF}: 4 tasks, 4 created, 0 updated, 0 unchanged.`);
    expect(out).toContain(`task 2  #${b}  created`);
    expect(out).toContain("Skipped as done or cancelled: task 0 (done).");
  });

  it("updates the same issues the second time, and changes nothing when nothing changed", async () => {
    setGitHub();
    const file = writeTasks(TAGGED);
    const args = ["import", "--repo", `${OWNER}/${REPO}`, "--issue", String(BRIEF), file];
    expect((await runMain(args, env())).code).toBe(0);
    const before = issueWrites().length;
    const again = await runMain(args, env());

    expect(again.code).toBe(0);
    expect(issueWrites().slice(before)).toEqual([]);
    expect(again.out).toContain("4 tasks, 0 created, 0 updated, 4 unchanged.");
  });

  it("reads the legacy layout and the tag asked for", async () => {
    setGitHub();
    expect((await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", writeTasks(LEGACY)], env())).code).toBe(0);
    setGitHub();
    const tagged = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", "--tag", "feature-audit", writeTasks(TAGGED)], env());
    expect(tagged.code).toBe(0);
    expect([...github.issues.values()].map((i) => i.title)).toEqual(["Sessions", "Record an audit event per login"]);
  });

  it.each([
    ["a file that is not JSON", '{\n  "tasks": [\n    {"id": 1,}\n  ]\n}\n', "tasks.json, line 3, column 14: not valid JSON"],
    ["a shape it does not know", JSON.stringify({ tasks: [{ id: 1, title: "" }] }, null, 2), "tasks.json, line 5, column 16 (`tasks[0].title`): must be a non-empty title"],
    ["a cycle", JSON.stringify({ tasks: [{ id: 1, title: "a", dependencies: [2] }, { id: 2, title: "b", dependencies: [1] }] }), "task 1 → task 2 → task 1"],
  ])("refuses %s with exit code 2, naming the problem, and changes nothing", async (_, text, problem) => {
    setGitHub();
    const { code, out, err } = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", writeTasks(text)], env());

    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("no issue was created or changed");
    expect(err).toContain(problem);
    expect(issueWrites()).toEqual([]);
  });

  it("says when the file is not there, before asking GitHub anything", async () => {
    setGitHub();
    const { code, err } = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", join(dir, "missing.json")], env());
    expect(code).toBe(2);
    expect(err).toBe(`${join(dir, "missing.json")}: no such file.\n`);
    expect(installationAuth).toEqual([]);
  });

  it("says when the app is not installed on the repository, or the brief is not there", async () => {
    setGitHub({}, false);
    const notInstalled = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", writeTasks(TAGGED)], env());
    expect(notInstalled.code).toBe(2);
    expect(notInstalled.err).toContain(`The app (APP_ID ${APP_ID}) is not installed on ${OWNER}/${REPO}`);

    setGitHub({ issues: {} });
    nock("https://api.github.com").get(`/repos/${OWNER}/${REPO}/issues/7`).reply(404, { message: "Not Found" });
    const noBrief = await runMain(["import", "--repo", `${OWNER}/${REPO}`, "--issue", "7", writeTasks(TAGGED)], env());
    expect(noBrief.code).toBe(2);
    expect(noBrief.err).toBe(`${OWNER}/${REPO} has no issue #7.\n`);
    expect(issueWrites()).toEqual([]);
  });

  it.each([
    [["--issue", "1", "f.json"], {}, "needs --repo and --issue"],
    [["--repo", `${OWNER}/${REPO}`, "f.json"], {}, "needs --repo and --issue"],
    [["--repo", "not a repo", "--issue", "1", "f.json"], {}, '--repo must be OWNER/NAME, got "not a repo"'],
    [["--repo", `${OWNER}/${REPO}`, "--issue", "one", "f.json"], {}, '--issue must be an issue number, got "one"'],
    [["--repo", `${OWNER}/${REPO}`, "--issue", "1"], {}, "hamster import reads one tasks file, got 0"],
  ])("refuses the command line %j with exit code 2", async (args, _env, message) => {
    const { code, err } = await runMain(["import", ...args], env());
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it("needs the app's id and key", async () => {
    setGitHub();
    const file = writeTasks(TAGGED);
    const args = ["import", "--repo", `${OWNER}/${REPO}`, "--issue", "1", file];
    expect((await runMain(args, { PRIVATE_KEY: generatePrivateKey() })).err).toContain("set APP_ID");
    const noKey = await runMain(args, { APP_ID });
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain("set PRIVATE_KEY or PRIVATE_KEY_PATH");
    expect(installationAuth).toEqual([]);
  });
});
