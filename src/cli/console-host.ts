import type { Writable } from "node:stream";
import { renderCheckConclusion } from "../reporter/render-check-run.js";
import { formatCost, formatCount, formatDuration, NOT_REPORTED } from "../reporter/format.js";
import { buildStageTimeline, renderStageName } from "../reporter/stage-timeline.js";
import type { RunStore } from "../store/run-store.js";
import type { RunHost } from "../lifecycle/run-host.js";

/** `hamster run`'s host: the same run, shown in the terminal as it happens. */
export function createConsoleHost(deps: { runs: RunStore; runId: number; out: Writable; now?: () => Date }): RunHost {
  const { runs, runId, out } = deps;
  const now = deps.now ?? (() => new Date());
  const print = (line: string) => out.write(`${line}\n`);
  const startedAt = now().getTime();
  let shown = 0;
  const elapsed = () => formatDuration(now().getTime() - startedAt).padStart(7);

  return {
    async getGitToken() {
      return undefined;
    },
    async getIssue() {
      return null;
    },
    async getTaskComments() {
      return [];
    },
    async opened(prepared) {
      const run = runs.getRun(runId);
      print(`${elapsed()}  branch ${run.workBranch} ${prepared.branchCreated ? "created from" : "reused, based on"} ${run.request.baseBranch}`);
    },
    async publish() {
      const transitions = runs.listTransitions(runId);
      for (const t of transitions.slice(shown)) {
        print(`${elapsed()}  ▶ ${t.state}${t.detail ? ` — ${t.detail}` : ""}`);
      }
      shown = transitions.length;
    },
    progress(message) {
      print(`${elapsed()}    · ${message}`);
    },
    async deliver() {},
    async concluded({ files }) {
      const run = runs.getRun(runId);
      const transitions = runs.listTransitions(runId);
      for (const t of transitions.slice(shown)) print(`${elapsed()}  ▶ ${t.state}`);
      shown = transitions.length;
      print("");
      print(`Run #${run.id}: ${run.state}${renderCheckConclusion(run) ? ` (${renderCheckConclusion(run)})` : ""}`);
      if (run.reason && run.state !== "succeeded") print(`Why: ${run.reason}`);
      print("Stages:");
      for (const s of buildStageTimeline(transitions, now())) {
        print(`  ${renderStageName(s.stage).padEnd(13)} ${s.status.padEnd(8)} ${s.durationMs === null ? "" : formatDuration(s.durationMs)}`);
      }
      if (run.plan?.length) {
        print("Plan:");
        for (const step of run.plan) print(`  - ${step}`);
      }
      if (run.verification) {
        print(`Verification: ${run.verification.command} ${run.verification.passed ? "passed" : "failed"} (${run.verification.runs} run${run.verification.runs > 1 ? "s" : ""})`);
      }
      if (run.report) {
        print("Acceptance criteria:");
        for (const c of run.report.criteria) {
          const evidence = c.evidence ? (c.evidence.kind === "file" ? `${c.evidence.path}:${c.evidence.line}` : c.evidence.command) : "no evidence";
          print(`  ${c.index}. [${c.status}] ${c.criterion} — ${evidence}${c.note ? ` (${c.note})` : ""}`);
        }
      }
      if (run.briefSource) print(`Brief: ${run.briefSource}`);
      for (const note of run.notes) print(`Note: ${note}`);
      if (files.length > 0) {
        print(`Files changed (${files.length}):`);
        for (const f of files) print(`  ${f}`);
      }
      if (run.summary) {
        print("Summary:");
        for (const line of run.summary.split("\n")) print(`  ${line}`);
      }
      const u = run.usage;
      const tokens = u === null ? NOT_REPORTED : `${formatCount(u.inputTokens)} input, ${formatCount(u.cacheReadTokens)} cache read, ${formatCount(u.cacheWriteTokens)} cache write, ${formatCount(u.outputTokens)} output`;
      print(`Tokens: ${tokens} · ${run.turns} turns · cost ${formatCost(run.costUsd)}`);
      if (run.state === "succeeded" && run.workBranch) print(`The result is on the local branch ${run.workBranch}.`);
    },
  };
}
