import { describe, expect, it } from "vitest";
import { formatDuration, inlineCode } from "../../src/reporter/format.js";
import { GITHUB_TEXT_LIMIT, truncateForGitHub } from "../../src/reporter/limits.js";
import { parseMarker, renderMarker } from "../../src/reporter/marker.js";
import { renderCheckConclusion, renderCheckRunOutput } from "../../src/reporter/render-check-run.js";
import { renderDeliveredPullRequestBody, renderDraftPullRequestBody } from "../../src/reporter/render-pull-request.js";
import { parseStatusMarker, renderStatusComment } from "../../src/reporter/render-status-comment.js";
import type { RunView } from "../../src/reporter/run-view.js";
import { buildStageTimeline } from "../../src/reporter/stage-timeline.js";
import type { Run, RunTransition } from "../../src/domain/run.js";
import type { RunState } from "../../src/domain/run-state.js";
import { buildRun, RUN_CREATED_AT } from "../helpers/runs.js";

const T0 = Date.parse(RUN_CREATED_AT);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const step = (state: RunState, seconds: number, detail: string | null = null): RunTransition => ({ state, at: at(seconds), detail });

function view(state: RunState, transitions: RunTransition[], extra: Partial<RunView> = {}, run: Partial<Run> = {}): RunView {
  return { run: buildRun({ state, ...run }), transitions, now: new Date(T0 + 100_000), ...extra };
}

describe("buildStageTimeline", () => {
  it("shows the running stage with its elapsed time and the rest pending", () => {
    const timeline = buildStageTimeline([step("queued", 0), step("preparing", 1), step("implementing", 4)], new Date(T0 + 10_000));
    expect(timeline.map((s) => [s.stage, s.status, s.durationMs])).toEqual([
      ["preparing", "done", 3000],
      ["planning", "skipped", null],
      ["implementing", "running", 6000],
      ["verifying", "pending", null],
      ["delivering", "pending", null],
    ]);
  });

  it("marks the stage a run failed in", () => {
    const timeline = buildStageTimeline([step("queued", 0), step("preparing", 1), step("implementing", 2), step("failed", 5)], new Date(T0 + 60_000));
    expect(timeline.map((s) => s.status)).toEqual(["done", "skipped", "failed", "skipped", "skipped"]);
    expect(timeline[2]!.durationMs).toBe(3000);
  });
});

describe("check run output", () => {
  it("maps end states to conclusions, neutral for unverified work", () => {
    expect(renderCheckConclusion({ state: "succeeded", conclusion: "success" })).toBe("success");
    expect(renderCheckConclusion({ state: "succeeded", conclusion: "neutral" })).toBe("neutral");
    expect(renderCheckConclusion({ state: "failed", conclusion: null })).toBe("failure");
    expect(renderCheckConclusion({ state: "cancelled", conclusion: null })).toBe("cancelled");
    expect(renderCheckConclusion({ state: "timed_out", conclusion: null })).toBe("timed_out");
    expect(renderCheckConclusion({ state: "implementing", conclusion: null })).toBeNull();
  });

  it("lists the stages and which one is running", () => {
    const output = renderCheckRunOutput(view("implementing", [step("queued", 0), step("preparing", 1), step("implementing", 3)]));
    expect(output.title).toBe("Implementing…");
    expect(output.summary).toContain("| ✅ Preparing | done | 2s |");
    expect(output.summary).toContain("| ⏳ Implementing | running | 1m 37s |");
    expect(output.summary).toContain("| ⬜ Delivering | pending |  |");
    expect(output.summary).toContain("**Run #5** for #7 *Add retries* — requested by @alice");
    expect(output.text).toBeUndefined();
  });

  it("says what changed on success and why on failure", () => {
    const done = renderCheckRunOutput(
      view("succeeded", [step("queued", 0), step("preparing", 1), step("implementing", 2), step("delivering", 30), step("succeeded", 31)], { files: ["a.ts", "b.ts"] }, { summary: "Added retries." }),
    );
    expect(done.title).toBe("Delivered: 2 files changed");
    expect(done.text).toBe("### What changed\n\nAdded retries.\n\n### Files changed\n\n- `a.ts`\n- `b.ts`");
    expect(done.summary).toContain("Tokens: 1,200 input, 9,000 cache read, 800 cache write, 300 output · cost $0.0123");

    const failed = renderCheckRunOutput(view("failed", [step("queued", 0), step("failed", 1)], {}, { reason: "The model API rejected the API key (HTTP 401).\nMore." }));
    expect(failed.title).toBe("Failed: The model API rejected the API key (HTTP 401).");
    expect(failed.summary).toContain("### Why it failed\n\nThe model API rejected the API key (HTTP 401).\nMore.");
  });

  it("stays within GitHub's limit for a huge summary", () => {
    const output = renderCheckRunOutput(view("succeeded", [step("queued", 0), step("succeeded", 1)], {}, { summary: "x".repeat(100_000) }));
    expect(output.text!.length).toBe(GITHUB_TEXT_LIMIT);
    expect(output.text).toContain("truncated");
  });
});

describe("status comment", () => {
  it("carries its marker, the stages and the links", () => {
    const body = renderStatusComment(
      view("implementing", [step("queued", 0), step("preparing", 1), step("implementing", 3)], {
        links: { pullRequest: "https://github.com/acme/widgets/pull/9", checkRun: "https://github.com/acme/widgets/runs/77" },
      }),
    );
    expect(parseMarker(body)).toEqual({ kind: "status", runId: 5 });
    expect(parseStatusMarker(body)).toBe(5);
    expect(body).toContain("### 🐹 Hamster run #5 — implementing…");
    expect(body).toContain("✅ Preparing (2s) → ➖ Planning → ⏳ Implementing → ⬜ Verifying → ⬜ Delivering");
    expect(body).toContain("Pull request: https://github.com/acme/widgets/pull/9 · Check run: [Hamster](https://github.com/acme/widgets/runs/77)");
  });

  it("is recognised by a marker on its first line only, and only a status marker", () => {
    expect(parseStatusMarker(`${renderMarker("status", 12)}\n### text`)).toBe(12);
    expect(parseStatusMarker(`Quoted:\n${renderMarker("status", 12)}`)).toBeNull();
    expect(parseStatusMarker(renderMarker("pr", 12))).toBeNull();
  });

  it("says the run is queued, and why a run failed", () => {
    expect(renderStatusComment(view("queued", [step("queued", 0)]))).toContain("— queued");
    const failed = renderStatusComment(view("failed", [step("queued", 0), step("failed", 2)], {}, { reason: "Nothing changed." }));
    expect(failed).toContain("failed ❌");
    expect(failed).toContain("**Why:** Nothing changed.");
  });
});

describe("pull request body", () => {
  it("links the task from the draft on", () => {
    const body = renderDraftPullRequestBody(view("preparing", [step("queued", 0)]));
    expect(body).toContain("Closes #7");
    expect(parseMarker(body)).toEqual({ kind: "pr", runId: 5 });
  });

  it("tells what changed once delivered", () => {
    const body = renderDeliveredPullRequestBody(view("delivering", [], { files: ["src/retry.ts"] }, { summary: "Added a retry helper." }));
    expect(body.startsWith("Added a retry helper.\n\n### Files changed\n\n- `src/retry.ts`")).toBe(true);
    expect(body).toContain("Closes #7 · delivered by Hamster run #5 for @alice");
  });
});

describe("usage an agent did not report", () => {
  // A command-line agent that does not say what it used: unknown, which is not free.
  const unreported = { usage: null, costUsd: null, request: buildRun().request } satisfies Partial<Run>;
  const ended = [step("queued", 0), step("preparing", 1), step("implementing", 2), step("delivering", 30), step("succeeded", 31)];

  it("is 'not reported' in the check run, the status comment and the pull request, never 0 tokens and $0.0000", () => {
    const rendered = [
      renderCheckRunOutput(view("succeeded", ended, {}, unreported)).summary,
      renderStatusComment(view("succeeded", ended, {}, unreported)),
      renderDeliveredPullRequestBody(view("delivering", [], { files: ["a.ts"] }, { ...unreported, summary: "Done." })),
    ];
    for (const text of rendered) {
      expect(text).toContain("Tokens: not reported · cost not reported");
      expect(text).not.toContain("$0.0000");
      expect(text).not.toMatch(/Tokens: 0 input/);
    }
  });

  it("leaves reported usage as it was", () => {
    const body = renderDeliveredPullRequestBody(view("delivering", [], {}, { summary: "Done." }));
    expect(body).toContain("Tokens: 1,200 input, 9,000 cache read, 800 cache write, 300 output · cost $0.0123");
  });
});

describe("helpers", () => {
  it("round-trips markers and rejects look-alikes", () => {
    expect(parseMarker(`text ${renderMarker("status", 123)} more`)).toEqual({ kind: "status", runId: 123 });
    expect(parseMarker("<!-- hamster:other run=1 -->")).toBeNull();
    expect(parseMarker("<!-- hamster:status run=abc -->")).toBeNull();
  });

  it("formats durations", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_400)).toBe("12s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(3_720_000)).toBe("1h 02m");
  });

  it("quotes code that contains backticks", () => {
    expect(inlineCode("a.ts")).toBe("`a.ts`");
    expect(inlineCode("a`b")).toBe("``a`b``");
    expect(inlineCode("`x")).toBe("`` `x ``");
  });

  it("truncates only what is over the limit", () => {
    expect(truncateForGitHub("short")).toBe("short");
    const cut = truncateForGitHub("y".repeat(70_000));
    expect(cut.length).toBe(GITHUB_TEXT_LIMIT);
    expect(cut.endsWith("cut to fit GitHub's limit)")).toBe(true);
  });
});
