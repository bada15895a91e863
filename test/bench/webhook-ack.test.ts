import { describe, expect, it } from "vitest";
import { BENCHMARKS, renderTable } from "../../bench/run.js";
import { runWebhookAckBenchmark, webhookAckFigures } from "../../bench/webhook-ack.js";

describe("the webhook acknowledgement benchmark", () => {
  it("sends signed deliveries over HTTP to the real app and a bare app, and every one is answered and admitted", async () => {
    const result = await runWebhookAckBenchmark({ deliveries: 10, concurrency: 5, warmup: 2 });
    const { ours, baseline } = result;

    expect(ours.statuses).toEqual({ "200": 10 });
    expect(baseline.statuses).toEqual({ "200": 10 });
    expect(ours.admitted).toBe(10);
    expect(ours.errorsLogged).toBe(0);
    expect(ours.p50Ms).toBeGreaterThan(0);
    expect(ours.p99Ms).toBeGreaterThanOrEqual(ours.p50Ms);
    expect(baseline.p99Ms).toBeGreaterThanOrEqual(baseline.p50Ms);
    // Each admission wrote its 👀 and its status comment to the fake GitHub.
    expect(ours.restCalls).toMatchObject({
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": 10,
      "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": 5,
      "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": 5,
    });

    const figures = webhookAckFigures(result);
    expect(figures.map((f) => f.figure)).toContain("response time p99 (ms)");
    expect(figures.find((f) => f.figure.startsWith("deliveries admitted"))?.pass).toBe(true);
    expect(renderTable([{ name: "ack", durationMs: 1, figures, details: result }])).toContain("response time p50 (ms)");
    expect(BENCHMARKS.some((b) => b.name.startsWith("Webhook acknowledgement"))).toBe(true);
  }, 60_000);
});
