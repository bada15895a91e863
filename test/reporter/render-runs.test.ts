import { describe, expect, it } from "vitest";
import { GITHUB_TEXT_LIMIT } from "../../src/reporter/limits.js";
import { parseIssueMarker, parseMarker, renderIssueMarker, renderMarker } from "../../src/reporter/marker.js";
import { MAX_RUNS_ROWS, parseRunsMarker, renderRunsComment } from "../../src/reporter/render-runs.js";
import type { Run } from "../../src/domain/run.js";
import { buildRun, buildRunRequest, RUN_CREATED_AT } from "../helpers/runs.js";

const T0 = Date.parse(RUN_CREATED_AT);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const now = new Date(T0 + 3600_000);

/** A run that delivered: what the runs table shows filled in. */
function buildDeliveredRun(overrides: Partial<Run> = {}): Run {
  return buildRun({
    state: "succeeded",
    trigger: "comment",
    request: buildRunRequest({ targetBranch: "develop" }),
    workBranch: "hamster/7-add-retries",
    prNumber: 12,
    conclusion: "success",
    updatedAt: at(185),
    finishedAt: at(185),
    ...overrides,
  });
}

const HEADER = [
  "| Run | Started by | Trigger | Parameters | Status | Started | Finished | Duration | Tokens (in / out) | Cost | Pull request |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];

const rowsOf = (body: string) => body.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| Run |") && !line.startsWith("| ---"));

describe("renderRunsComment", () => {
  it("says there are no runs yet", () => {
    expect(renderRunsComment({ issueNumber: 7, runs: [], now })).toBe(
      [
        "<!-- hamster:runs issue=7 -->",
        "### 🐹 Hamster runs on this issue",
        "",
        "No runs yet: comment `/deliver` or add the `hamster:deliver` label to start one. Updated 2026-11-24 11:00 UTC.",
      ].join("\n"),
    );
  });

  it("renders one run as a table row", () => {
    expect(renderRunsComment({ issueNumber: 7, runs: [buildDeliveredRun()], now })).toBe(
      [
        "<!-- hamster:runs issue=7 -->",
        "### 🐹 Hamster runs on this issue",
        "",
        "1 run, newest first. Updated 2026-11-24 11:00 UTC.",
        "",
        ...HEADER,
        "| 5 | alice | /deliver | `main` → `develop` · `claude` · `claude-sonnet-5-5` | ✅ succeeded | 2026-11-24 10:00 UTC | 2026-11-24 10:03 UTC | 3m 05s | 11,000 / 300 | $0.0123 | [#12](https://github.com/acme/widgets/pull/12) |",
      ].join("\n"),
    );
  });

  it("says 'not reported' for tokens and cost an agent did not report", () => {
    const run = buildDeliveredRun({ usage: null, costUsd: null, request: buildRunRequest({ targetBranch: "develop", agent: "codex" }) });
    expect(rowsOf(renderRunsComment({ issueNumber: 7, runs: [run], now }))).toEqual([
      "| 5 | alice | /deliver | `main` → `develop` · `codex` · `claude-sonnet-5-5` | ✅ succeeded | 2026-11-24 10:00 UTC | 2026-11-24 10:03 UTC | 3m 05s | not reported | not reported | [#12](https://github.com/acme/widgets/pull/12) |",
    ]);
  });

  it("lists at most 50 runs, newest first, and says how many are left out", () => {
    const runs = Array.from({ length: 60 }, (_, index) => buildDeliveredRun({ id: index + 1, prNumber: null }));
    const body = renderRunsComment({ issueNumber: 7, runs, now });
    const rows = rowsOf(body);
    expect(rows).toHaveLength(MAX_RUNS_ROWS);
    expect(rows.map((row) => Number(row.split(" | ")[0]?.slice(2)))).toEqual(Array.from({ length: 50 }, (_, index) => 60 - index));
    expect(body).toContain("60 runs, newest first.");
    expect(body.endsWith("\n\nShowing the 50 newest of 60 runs; 10 older ones are not listed.")).toBe(true);
    expect(parseRunsMarker(body)).toBe(7);
  });

  it("orders by run, whatever order the runs come in", () => {
    const body = renderRunsComment({ issueNumber: 7, runs: [buildDeliveredRun({ id: 2 }), buildDeliveredRun({ id: 9 }), buildDeliveredRun({ id: 4 })], now });
    expect(rowsOf(body).map((row) => row.slice(2, 3))).toEqual(["9", "4", "2"]);
  });

  it.each([
    [{ state: "succeeded", conclusion: "neutral" }, "⚠️ succeeded, not fully verified"],
    [{ state: "failed", conclusion: null }, "❌ failed"],
    [{ state: "cancelled", conclusion: null, cancelledBy: "bob" }, "🚫 cancelled by bob"],
    [{ state: "cancelled", conclusion: null }, "🚫 cancelled"],
    [{ state: "timed_out", conclusion: null }, "⏱️ timed out"],
  ] as const)("shows the status of %j", (overrides, status) => {
    const row = rowsOf(renderRunsComment({ issueNumber: 7, runs: [buildDeliveredRun(overrides)], now }))[0];
    expect(row?.split(" | ")[4]).toBe(status);
  });

  it("shows an active run's time so far and no end", () => {
    const run = buildDeliveredRun({ state: "implementing", conclusion: null, finishedAt: null, prNumber: null, costUsd: 1.5 });
    const row = rowsOf(renderRunsComment({ issueNumber: 7, runs: [run], now }))[0];
    expect(row?.split(" | ").slice(4)).toEqual(["🔄 implementing", "2026-11-24 10:00 UTC", "—", "1h 00m so far", "11,000 / 300", "$1.50", "— |"]);
  });

  it("names each trigger; a follow-up names its run", () => {
    const triggers = (["label", "comment", "local", "retry"] as const).map(
      (trigger) => rowsOf(renderRunsComment({ issueNumber: 7, runs: [buildDeliveredRun({ trigger })], now }))[0]?.split(" | ")[2],
    );
    expect(triggers).toEqual(["label", "/deliver", "local", "/retry"]);
    const followUp = rowsOf(renderRunsComment({ issueNumber: 7, runs: [buildDeliveredRun({ trigger: "follow_up", followUpOf: 3 })], now }))[0];
    expect(followUp?.split(" | ")[2]).toBe("follow-up of run 3");
  });

  it("escapes pipes so a branch name cannot break the table, and mentions nobody", () => {
    const run = buildDeliveredRun({ request: buildRunRequest({ baseBranch: "a|b", targetBranch: "c`d" }) });
    const body = renderRunsComment({ issueNumber: 7, runs: [run], now });
    expect(rowsOf(body)[0]).toContain("| `a\\|b` → ``c`d`` · ");
    expect(body).not.toContain("@alice");
  });

  it("stays within GitHub's limit, keeping its marker", () => {
    const model = "m".repeat(2000);
    const runs = Array.from({ length: 60 }, (_, index) => buildDeliveredRun({ id: index + 1, request: buildRunRequest({ model }) }));
    const body = renderRunsComment({ issueNumber: 7, runs, now });
    expect(body.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(body).toContain("(truncated:");
    expect(parseRunsMarker(body)).toBe(7);
  });
});

describe("runs marker", () => {
  it("round-trips through render and parse, keyed by issue", () => {
    expect(renderIssueMarker("runs", 7)).toBe("<!-- hamster:runs issue=7 -->");
    expect(parseIssueMarker(`before ${renderIssueMarker("runs", 123)} after`)).toEqual({ kind: "runs", issueNumber: 123 });
    expect(parseRunsMarker(renderRunsComment({ issueNumber: 4567, runs: [], now }))).toBe(4567);
  });

  it("is not confused with the per-run markers", () => {
    expect(parseRunsMarker(renderMarker("status", 7))).toBeNull();
    expect(parseMarker(renderIssueMarker("runs", 7))).toBeNull();
    expect(parseRunsMarker("<!-- hamster:runs run=7 -->")).toBeNull();
    expect(parseRunsMarker("<!-- hamster:runs issue=x -->")).toBeNull();
    expect(parseRunsMarker("no marker")).toBeNull();
  });
});
