import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExecutorName } from "../../src/domain/executor-name.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { EXECUTORS, scenarioGitHub, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import { createBareRemote, readRemoteFile, type BareRemote } from "../helpers/git.js";
import { labeledPayload as labeledPayloadFor, OWNER, REPO, REPO_ID, scriptHappyModel, WORK_BRANCH } from "../helpers/scenario.js";

/**
 * The app on a GitHub Enterprise Server (GHE_HOST): every request goes there. Nothing
 * answers for api.github.com, so a request sent there fails the run.
 */
const GHE_HOST = "ghe.example.com";
const GHE_API = `https://${GHE_HOST}/api/v3`;
const TOKEN_PATH = "/api/v3/app/installations/1/access_tokens";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;
/** Kept across the app's restarts, removed after the test. */
let dataDir: string;

function startEnterpriseApp(executor: ExecutorName): Promise<TestApp> {
  return createTestApp({ probotEnv: { GHE_HOST, GHE_PROTOCOL: "https" }, dataDir, executor });
}

/** GitHub outlives the app: the same state, served again (nock would otherwise answer from the first fake). */
function serveGitHubAgain(): void {
  nock.cleanAll();
  disableNetwork();
  github = scenarioGitHub({ baseUrl: GHE_API }, github);
}

function labeledPayload() {
  const payload = labeledPayloadFor(remote.url);
  payload.repository.html_url = `https://${GHE_HOST}/${OWNER}/${REPO}`;
  return payload;
}

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => {
    disableNetwork();
    remote = await createBareRemote();
    github = scenarioGitHub({ baseUrl: GHE_API });
    dataDir = mkdtempSync(join(tmpdir(), "hamster-data-"));
    app = await startEnterpriseApp(executor);
  });

  afterEach(async () => {
    await stopE2eScenario(app, remote);
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe("GitHub Enterprise Server", () => {
    it("resumes a run queued when the app stopped: its git token comes from GHE_HOST, and it delivers", async () => {
      // The app stops taking runs before this one starts: it stays queued with its 👀 and
      // status comment, as when the process is killed there.
      await app.hamster.drain(0);
      await app.receive("issues", labeledPayload());
      await app.hamster.idle();
      const [queued] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
      expect(queued).toMatchObject({ state: "queued", prNumber: null, checkRunId: null });
      expect(queued!.statusCommentId).not.toBeNull();
      const tokensBefore = github.calls.filter((c) => c.path === TOKEN_PATH).length;

      // A new process: no installation token is cached, and the run's first call is for git's token.
      await app.close();
      serveGitHubAgain();
      app = await startEnterpriseApp(executor);
      scriptHappyModel();
      await app.hamster.idle();

      const run = app.hamster.runs.getRun(queued!.id);
      expect(run.reason).toBeNull();
      expect(run.state).toBe("succeeded");
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
      expect(github.calls.filter((c) => c.path === TOKEN_PATH).length).toBeGreaterThan(tokensBefore);
      expect(github.calls.every((c) => c.path.startsWith("/api/"))).toBe(true);
      expect(github.pulls).toHaveLength(1);
      expect(github.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
      expect(github.comments.filter((c) => c.body.includes("hamster:status"))).toHaveLength(1);
    });
  });
});
