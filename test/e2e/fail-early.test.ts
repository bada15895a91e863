import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { EXECUTORS, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { BareRemote } from "../helpers/git.js";
import { commentPayload, labeledPayload, REPO_ID } from "../helpers/scenario.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => ({ remote, github, app } = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(app, remote));

  /** Nothing of a run exists: no row, no status comment, no branch, PR or check run. */
  function expectNothingCreated() {
    expect(app.hamster.runs.listRunsForTask(REPO_ID, 1)).toEqual([]);
    expect(github.pulls).toEqual([]);
    expect(github.checkRuns).toEqual([]);
    expect(github.comments.filter((c) => c.body.includes("hamster:status"))).toEqual([]);
    expect(github.callsTo("POST", /\/git\/refs$/)).toEqual([]);
  }

  describe("a run that cannot start is refused when it is asked for", () => {
    it("with no Anthropic API key, the reply says how to add one", async () => {
      await app.close();
      app = await createTestApp({ env: { ANTHROPIC_API_KEY: "" }, executor });
      await app.receive("issues", labeledPayload(remote.url));
      await app.hamster.idle();
      expectNothingCreated();
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]!.body).toContain("@Codertocat Hamster did not start the run: No Anthropic API key is set up for this installation");
      expect(github.comments[0]!.body).toContain("hamster secrets set --installation 1 --provider anthropic");
    });

    it("with an agent whose command-line tool is not installed, the reply names the tool", async () => {
      await app.receive("issue_comment", commentPayload(remote.url, "/deliver agent=aider"));
      await app.hamster.idle();
      expectNothingCreated();
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]!.body).toContain("needs the `aider` command-line tool on the Hamster server");
    });
  });
});
