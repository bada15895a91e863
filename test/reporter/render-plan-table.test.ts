import { describe, expect, it } from "vitest";
import { renderIssueMarker } from "../../src/reporter/marker.js";
import { parsePlanMarker, renderPlanTable, type PlanTableTask } from "../../src/reporter/render-plan-table.js";
import { parseRunsMarker } from "../../src/reporter/render-runs.js";
import { validatePlanGraph, type PlanGraph } from "../../src/task/plan/plan-graph.js";
import type { PlanTaskState } from "../../src/task/plan/schedule-plan.js";

const NOW = new Date("2026-11-24T10:00:00.000Z");
const URL = "https://github.com/acme/widgets";

// A (#12); B (#13) and C (#14) after A; D (#15) after B and C.
function diamond(): PlanGraph {
  const result = validatePlanGraph([
    { id: "#12", blockedBy: [] },
    { id: "#13", blockedBy: ["#12"] },
    { id: "#14", blockedBy: ["#12"] },
    { id: "#15", blockedBy: ["#13", "#14"] },
  ]);
  if (!result.ok) throw new Error("bad graph");
  return result.graph;
}

function tasks(states: Record<string, PlanTaskState>, extra: Partial<Record<string, Partial<PlanTableTask>>> = {}): PlanTableTask[] {
  const titles: Record<string, string> = { "#12": "Add the client", "#13": "Add retries", "#14": "Add logging", "#15": "Document it" };
  return Object.entries(titles).map(([id, title]) => ({ id, title, state: states[id] ?? "pending", pullRequest: null, costUsd: null, ...extra[id] }));
}

describe("the plan table", () => {
  it("shows each task with its state, dependencies, pull request and cost, the total, and what waits on what", () => {
    const body = renderPlanTable({
      briefNumber: 10,
      graph: diamond(),
      tasks: tasks(
        { "#12": "done", "#13": "failed", "#14": "running" },
        {
          "#12": { pullRequest: { number: 40, url: `${URL}/pull/40` }, costUsd: 0.42 },
          "#13": { costUsd: null },
          "#14": { pullRequest: { number: 41, url: `${URL}/pull/41` }, costUsd: 0.1 },
        },
      ),
      parallel: 2,
      now: NOW,
    });
    expect(body).toBe(
      [
        "<!-- hamster:plan issue=10 -->",
        "### 🐹 Hamster plan for this brief",
        "",
        "1 of 4 tasks done · 1 running · 1 failed · at most 2 at a time · updated 2026-11-24 10:00 UTC.",
        "",
        "| Task | State | Depends on | Pull request | Cost |",
        "| --- | --- | --- | --- | --- |",
        `| #12 Add the client | ✅ done | — | [#40](${URL}/pull/40) | $0.4200 |`,
        "| #13 Add retries | ❌ failed | #12 | — | not reported |",
        `| #14 Add logging | 🔄 running | #12 | [#41](${URL}/pull/41) | $0.1000 so far |`,
        "| #15 Document it | ⛔ stopped | #13, #14 | — | — |",
        "",
        "**Total cost:** $0.5200 (1 task did not report a cost)",
        "",
        "**What waits on what**",
        "",
        "- #15 will not start: #13 failed.",
      ].join("\n"),
    );
  });

  it("says which tasks wait on which, and which wait for a slot", () => {
    const body = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({ "#12": "done" }), parallel: 1, now: NOW });
    expect(body).toContain("| #13 Add retries | ⏳ ready | #12 | — | — |");
    expect(body).toContain("- #15 waits on #13 (not started) and #14 (not started).");
    expect(body).toContain("- #14 is ready and waits for a free slot (1 at a time).");
    expect(body).toContain("**Total cost:** not reported (1 task did not report a cost)");
  });

  it("shows a delivered task as in review, and what waits for its merge", () => {
    const body = renderPlanTable({
      briefNumber: 10,
      graph: diamond(),
      tasks: tasks({ "#12": "delivered" }, { "#12": { pullRequest: { number: 40, url: `${URL}/pull/40` }, costUsd: 0.3 } }),
      parallel: 2,
      now: NOW,
    });
    expect(body).toContain("0 of 4 tasks done · 1 in review · at most 2");
    expect(body).toContain(`| #12 Add the client | 👀 in review | — | [#40](${URL}/pull/40) | $0.3000 |`);
    expect(body).toContain("- #13 waits on #12 (its pull request is not merged yet).");
    const stacked = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({ "#12": "delivered" }), parallel: 2, stack: true, now: NOW });
    expect(stacked).toContain("| #13 Add retries | ⏳ ready | #12 |");
  });

  it("names a cancelled task as the reason", () => {
    const body = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({ "#12": "cancelled" }, { "#12": { costUsd: 0.05 } }), parallel: 2, now: NOW });
    expect(body).toContain("- #13 will not start: #12 was cancelled.");
    expect(body).toContain("**Total cost:** $0.0500");
  });

  it("has no waiting list when everything is done", () => {
    const body = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({ "#12": "done", "#13": "done", "#14": "done", "#15": "done" }), parallel: 2, now: NOW });
    expect(body).toContain("4 of 4 tasks done · at most 2");
    expect(body).not.toContain("What waits on what");
  });

  it("keeps a title's pipes and line breaks inside its cell", () => {
    const body = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({}, { "#12": { title: "a | b\nc" } }), parallel: 2, now: NOW });
    expect(body).toContain("| #12 a \\| b c | ⏳ ready |");
  });

  it("is found again by its marker, which is not a /runs list's", () => {
    const body = renderPlanTable({ briefNumber: 10, graph: diamond(), tasks: tasks({}), parallel: 2, now: NOW });
    expect(parsePlanMarker(body)).toBe(10);
    expect(parseRunsMarker(body)).toBeNull();
    expect(parsePlanMarker(renderIssueMarker("runs", 10))).toBeNull();
    expect(parsePlanMarker(`quoted:\n${renderIssueMarker("plan", 10)}`)).toBeNull();
  });
});
