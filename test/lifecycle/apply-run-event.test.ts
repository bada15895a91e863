import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRunEventSink, DrainStop } from "../../src/lifecycle/apply-run-event.js";
import { createRunProgress } from "../../src/lifecycle/run-progress.js";
import { decideResumeStage } from "../../src/lifecycle/run-plan.js";
import type { RunHost } from "../../src/lifecycle/run-host.js";
import { RunFailure } from "../../src/domain/run-failure.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { buildNewRun } from "../helpers/runs.js";

let dir: string;
let db: SqliteDatabase;
let runs: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-events-"));
  db = openDatabase(dir);
  runs = createRunStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

let issue = 1;

function sink(options: { draining?: boolean; aborted?: boolean } = {}) {
  const shown: string[] = [];
  const host = { publish: async () => void shown.push("publish"), progress: (m: string) => void shown.push(`progress ${m}`) } as unknown as RunHost;
  const controller = new AbortController();
  if (options.aborted) controller.abort({ kind: "cancel", by: "octocat" });
  const newRun = buildNewRun();
  const run = runs.createRun({ ...newRun, request: { ...newRun.request, issue: { ...newRun.request.issue, number: issue++ } } });
  const progress = createRunProgress(dir);
  const emit = createRunEventSink({ runs, runId: run.id, host, progress, signal: controller.signal, isDraining: () => options.draining ?? false });
  return { emit, shown, progress, runId: run.id };
}

describe("the run event sink", () => {
  it("folds stages, plan, progress, notes and totals into the run and shows them", async () => {
    const { emit, shown, progress, runId } = sink();
    await emit({ kind: "stage", state: "preparing" });
    await emit({ kind: "progress", message: "setup: npm ci" });
    expect(progress.agentStarted).toBe(false);
    await emit({ kind: "stage", state: "planning", detail: "claude · model" });
    await emit({ kind: "plan", steps: ["Do it"] });
    await emit({ kind: "progress", message: "turn 1: bash", agent: { turn: 1, usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } } });
    await emit({ kind: "note", text: "Brief not used: gone" });
    await emit({ kind: "totals", turns: 2, usage: null, costUsd: null });
    const run = runs.getRun(runId);
    expect(run).toMatchObject({ state: "planning", plan: ["Do it"], progress: "turn 1: bash", notes: ["Brief not used: gone"], turns: 2, usage: null });
    expect(runs.listTransitions(runId).map((t) => t.state)).toEqual(["queued", "preparing", "planning"]);
    expect(progress.agentStarted).toBe(true);
    expect(shown).toEqual(["publish", "progress setup: npm ci", "publish", "progress turn 1: bash"]);
  });

  it("stops a job at a stage boundary when the app drains or the run was stopped", async () => {
    await expect(sink({ draining: true }).emit({ kind: "stage", state: "planning" })).rejects.toBeInstanceOf(DrainStop);
    const stopped = sink({ aborted: true });
    await expect(stopped.emit({ kind: "stage", state: "planning" })).rejects.toBeInstanceOf(RunFailure);
    expect(runs.getRun(stopped.runId).state).toBe("queued");
  });
});

describe("decideResumeStage", () => {
  it.each([
    ["queued", false, "planning"],
    ["planning", true, "implementing"],
    ["implementing", true, "implementing"],
    ["implementing", false, "planning"],
    ["verifying", true, "verifying"],
    ["delivering", true, "verifying"],
  ] as const)("resumes a run interrupted in %s (plan: %s) at %s", (state, hasPlan, expected) => {
    expect(decideResumeStage(state, hasPlan)).toBe(expected);
  });
});
