import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore } from "../../src/store/run-store.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";
import { classicToken } from "../security/fake-secrets.js";

const TOKEN = classicToken("ghs", "run-store-canary");
const KEY = "provider-key-canary-9d1e";

let dir: string;
let db: SqliteDatabase | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-redaction-"));
  db = openDatabase(dir);
});

afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte SQLite wrote under the data directory: the database, its WAL and shared memory. */
function storedBytes(): Buffer {
  db?.close();
  db = undefined;
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}

/** Writes a secret into every free-text field of a run. */
function writeSecrets(runs: ReturnType<typeof createRunStore>): number {
  const leak = `token ${TOKEN} and key ${KEY}`;
  const run = runs.createRun(
    buildNewRun({ request: buildRunRequest({ instructions: leak, issue: { ...buildRunRequest().issue, body: leak } }) }),
  );
  runs.transitionRun(run.id, "preparing", { detail: leak });
  runs.updateRun(run.id, {
    summary: leak,
    progress: leak,
    notes: [leak, "plain note"],
    plan: ["step one", leak],
    briefSource: `https://example.com/brief?token=${TOKEN}`,
    verification: { command: "npm test", passed: false, exitCode: 1, runs: 1, outputTail: leak },
    report: { criteria: [{ index: 0, criterion: "retries", status: "met", evidence: null, note: leak }] },
  });
  runs.transitionRun(run.id, "failed", { reason: `git push failed: ${leak}` });
  return run.id;
}

describe("run store redaction", () => {
  it("stores no secret in the database file: reason, details, summary, notes, plan, report, verification", () => {
    const redactor = createRedactor({ secrets: [KEY] });
    const runs = createRunStore(db!, undefined, { redact: redactor.redact });
    const id = writeSecrets(runs);

    const run = runs.getRun(id);
    const leak = `token ${REDACTED} and key ${REDACTED}`;
    expect(run.reason).toBe(`git push failed: ${leak}`);
    expect(run).toMatchObject({ summary: leak, progress: leak, notes: [leak, "plain note"], plan: ["step one", leak] });
    expect(run.verification?.outputTail).toBe(leak);
    expect(run.report?.criteria[0]?.note).toBe(leak);
    expect(run.request.instructions).toBe(leak);
    expect(run.request.issue.body).toBe(leak);
    expect(run.briefSource).toBe(`https://example.com/brief?token=${REDACTED}`);
    expect(runs.listTransitions(id).map((t) => t.detail)).toEqual(["requested by @alice (label)", leak, null]);

    const bytes = storedBytes();
    expect(bytes.includes(TOKEN)).toBe(false);
    expect(bytes.includes(KEY)).toBe(false);
    expect(bytes.includes(REDACTED)).toBe(true);
  });

  it("stores text as given without a redactor (the canaries are findable in the file)", () => {
    const runs = createRunStore(db!);
    writeSecrets(runs);
    const bytes = storedBytes();
    expect(bytes.includes(TOKEN)).toBe(true);
    expect(bytes.includes(KEY)).toBe(true);
  });
});
