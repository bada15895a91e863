import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { createRunEventStore } from "../../src/store/run-event-store.js";
import type { TestApp } from "../helpers/app.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { BareRemote } from "../helpers/git.js";
import { labeledPayload, REPO_ID, scriptHappyModel } from "../helpers/scenario.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => ({ remote, github, app } = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(app, remote));

  describe("the run event log", () => {
    it("holds every stage, model call, tool call, command and the verification, and the check run shows them", async () => {
      github = replaceScenarioGitHub({ files: { ".github/hamster.yml": "setup:\n  - echo installing\n" } });
      scriptHappyModel();
      await app.receive("issues", labeledPayload(remote.url));
      await app.hamster.idle();
      const [run] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
      expect(run!.state).toBe("succeeded");

      const db = openDatabase(app.dataDir);
      try {
        const events = createRunEventStore(db, { redact: (t) => t }).listRunEvents(run!.id, {}).events;
        const kinds = events.map((e) => e.event.kind);
        const stages = events.flatMap((e) => (e.event.kind === "stage" ? [e.event.state] : []));
        expect(stages).toEqual(["preparing", "planning", "implementing", "verifying", "delivering"]);
        expect(kinds.filter((k) => k === "model_call")).toHaveLength(5);
        expect(events.map((e) => e.event)).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ kind: "tool_call", tool: "str_replace_based_edit_tool", outcome: "ok" }),
            expect.objectContaining({ kind: "tool_call", tool: "bash", summary: expect.stringContaining("npm test") }),
            expect.objectContaining({ kind: "command", purpose: "setup", command: "echo installing", exitCode: 0, outputTail: expect.stringContaining("installing") }),
            expect.objectContaining({ kind: "command", purpose: "test", command: "npm test", exitCode: 0 }),
            expect.objectContaining({ kind: "verification" }),
            expect.objectContaining({ kind: "plan" }),
          ]),
        );
        // Numbered in order, one attempt.
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(new Set(events.map((e) => e.attempt))).toEqual(new Set([1]));
      } finally {
        db.close();
      }
      const text = github.checkRuns.at(-1)!.output.text ?? "";
      expect(text).toContain("### Activity");
      expect(text).toContain("npm test");
      expect(text).toContain("echo installing");
    });
  });
});
