import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunDiffStore, MAX_RUN_DIFF_BYTES } from "../../src/store/run-diff-store.js";
import { createRunStore } from "../../src/store/run-store.js";
import { buildNewRun } from "../helpers/runs.js";
import { anthropicKey } from "../security/fake-secrets.js";

const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const PATCH = "diff --git a/hello.txt b/hello.txt\nnew file mode 100644\n--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hello\n";

let dir: string;
let db: SqliteDatabase;
let runId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-diffs-"));
  db = openDatabase(dir);
  runId = createRunStore(db).createRun(buildNewRun()).id;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("run diff store", () => {
  it("keeps one diff per run, the latest push's", () => {
    const diffs = createRunDiffStore(db, { now: () => new Date("2026-11-24T10:00:00.000Z") });
    expect(diffs.getRunDiff(runId)).toBeUndefined();
    diffs.saveRunDiff(runId, { baseSha: BASE, headSha: BASE, patch: "old", truncated: true });
    const saved = diffs.saveRunDiff(runId, { baseSha: BASE, headSha: HEAD, patch: PATCH, truncated: false });
    expect(saved).toEqual({ runId, baseSha: BASE, headSha: HEAD, patch: PATCH, files: 1, truncated: false, recordedAt: "2026-11-24T10:00:00.000Z" });
    expect(diffs.findRunDiffSummary(runId)).toEqual({ runId, baseSha: BASE, headSha: HEAD, files: 1, truncated: false, recordedAt: "2026-11-24T10:00:00.000Z" });
    expect(diffs.getRunDiff(runId)).toEqual(saved);
  });

  it("redacts the patch before it is written", () => {
    const redactor = createRedactor();
    const key = anthropicKey("diff-canary");
    redactor.addSecret(key);
    const diffs = createRunDiffStore(db, { redact: redactor.redact });
    diffs.saveRunDiff(runId, { baseSha: BASE, headSha: HEAD, patch: `${PATCH}+KEY=${key}\n`, truncated: false });
    const stored = db.prepare<[], { patch: string }>("SELECT patch FROM run_diffs").get()!.patch;
    expect(stored).not.toContain(key);
    expect(stored).toContain(REDACTED);
  });

  it("keeps at most MAX_RUN_DIFF_BYTES, cut at a line's end, and says it was cut", () => {
    const diffs = createRunDiffStore(db);
    const line = `+${"é".repeat(99)}\n`;
    const patch = PATCH + line.repeat(Math.ceil(MAX_RUN_DIFF_BYTES / Buffer.byteLength(line)) + 10);
    const saved = diffs.saveRunDiff(runId, { baseSha: BASE, headSha: HEAD, patch, truncated: false });
    expect(saved.truncated).toBe(true);
    expect(Buffer.byteLength(saved.patch)).toBeLessThanOrEqual(MAX_RUN_DIFF_BYTES);
    expect(saved.patch.endsWith(line)).toBe(true);
    expect(patch.startsWith(saved.patch)).toBe(true);
  });
});
