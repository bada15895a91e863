import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config/env.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { executeRun, type RunDependencies } from "../../src/lifecycle/execute-run.js";
import type { RunHost } from "../../src/lifecycle/run-host.js";
import { buildNewRun } from "../helpers/runs.js";

let dataDir: string;
let db: SqliteDatabase;
let runs: RunStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "hamster-execute-"));
  db = openDatabase(dataDir);
  runs = createRunStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A host that records which of its methods the run called. */
function recordingHost(calls: string[]): RunHost {
  const record = (name: string) => async () => void calls.push(name);
  return {
    getGitToken: async () => (calls.push("getGitToken"), "token"),
    getIssue: async () => (calls.push("getIssue"), null),
    getTaskComments: async () => (calls.push("getTaskComments"), []),
    opened: record("opened"),
    publish: record("publish"),
    progress: () => void calls.push("progress"),
    deliver: record("deliver"),
    concluded: record("concluded"),
  };
}

function dependencies(calls: string[], overrides: Partial<RunDependencies> & { anthropicKey?: string } = {}): RunDependencies {
  const { anthropicKey, ...rest } = overrides;
  return {
    runs,
    settings: parseSettings({ HAMSTER_DATA_DIR: dataDir, HAMSTER_SANDBOX: "off", ...(anthropicKey ? { ANTHROPIC_API_KEY: anthropicKey } : {}) }),
    log: pino({ level: "silent" }),
    createHost: async () => recordingHost(calls),
    getAgent: (name) => ({ unavailable: `no ${name} here` }),
    ...rest,
  };
}

describe("a run that cannot start", () => {
  it("fails in preparing, before any checkout, token, pull request or check run, when its agent is missing", async () => {
    const run = runs.createRun(buildNewRun({ request: { ...buildNewRun().request, agent: "aider" } }));
    const calls: string[] = [];
    await executeRun(dependencies(calls), run.id, new AbortController().signal);
    const ended = runs.getRun(run.id);
    expect(ended).toMatchObject({ state: "failed", reason: "no aider here", workBranch: null });
    expect(calls.filter((c) => c !== "publish")).toEqual(["concluded"]);
    expect(existsSync(join(dataDir, "workspaces", `run-${run.id}`))).toBe(false);
  });

  it("fails the same way when no Anthropic key is set up for the built-in agent", async () => {
    const run = runs.createRun(buildNewRun());
    const calls: string[] = [];
    const agent = { name: "claude", startSession: () => Promise.reject(new Error("must not start")) };
    await executeRun(dependencies(calls, { getAgent: () => agent }), run.id, new AbortController().signal);
    expect(runs.getRun(run.id).reason).toContain("No Anthropic API key is set up for this installation");
    expect(calls.filter((c) => c !== "publish")).toEqual(["concluded"]);
  });
});
