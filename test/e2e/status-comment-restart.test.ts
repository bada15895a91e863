import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { EXECUTORS, scenarioGitHub, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import { createBareRemote, type BareRemote } from "../helpers/git.js";
import { labeledPayload as labeledPayloadFor, REPO_ID, scriptHappyModel } from "../helpers/scenario.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;
/** Kept across the app's restart, removed after the test. */
let dataDir: string;

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => {
    disableNetwork();
    remote = await createBareRemote();
    github = scenarioGitHub();
    dataDir = mkdtempSync(join(tmpdir(), "hamster-data-"));
    app = await createTestApp({ dataDir, executor });
  });

  afterEach(async () => {
    await stopE2eScenario(app, remote);
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe("a restart between the status comment's creation and its id being stored", () => {
    it("adopts the comment GitHub created: the run keeps exactly one status comment, and it ends delivered", async () => {
      // The app stops taking runs before this one starts, so it stays queued with its comment.
      await app.hamster.drain(0);
      await app.receive("issues", labeledPayloadFor(remote.url));
      await app.hamster.idle();
      const [queued] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
      expect(queued).toMatchObject({ state: "queued" });
      await app.close();
      // The process died after GitHub answered the comment's POST and before the id was stored.
      const db = openDatabase(dataDir);
      db.prepare("UPDATE runs SET status_comment_id = NULL WHERE id = ?").run(queued!.id);
      db.close();
      expect(github.comments).toHaveLength(1);

      nock.cleanAll();
      disableNetwork();
      github = scenarioGitHub({}, github);
      app = await createTestApp({ dataDir, executor });
      scriptHappyModel();
      await app.hamster.idle();

      const run = app.hamster.runs.getRun(queued!.id);
      expect(run.state).toBe("succeeded");
      const statusComments = github.comments.filter((c) => c.body.includes(`hamster:status run=${run.id}`));
      expect(statusComments).toHaveLength(1);
      expect(run.statusCommentId).toBe(statusComments[0]!.id);
      expect(statusComments[0]!.body).toContain("delivered");
      expect(github.callsTo("POST", /^\/issues\/1\/comments$/)).toHaveLength(1);
    });
  });
});
