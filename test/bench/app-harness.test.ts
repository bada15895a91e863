import { afterEach, describe, expect, it } from "vitest";
import { benchRepo, commentPayload, labeledPayload, percentile, replyToRun, signDelivery, WEBHOOK_SECRET } from "../../bench/lib/app-harness.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../../bench/lib/fake-github-server.js";

let server: FakeGitHubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the benchmarks' app harness", () => {
  // That Probot accepts the signatures is shown end to end by the webhook acknowledgement test (every delivery answered 200).
  it("builds deliveries from the webhook examples, pointed at the bench repository", () => {
    const repo = benchRepo(1, "file:///tmp/remote.git", "http://127.0.0.1:1");
    const labeled = signDelivery("d-1", "issues", labeledPayload(repo, 12));
    expect(labeled.headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signDelivery("d-1", "issues", JSON.parse(labeled.body), `${WEBHOOK_SECRET}-other`).headers["x-hub-signature-256"]).not.toBe(labeled.headers["x-hub-signature-256"]);
    expect(labeled.headers).toMatchObject({ "x-github-event": "issues", "x-github-delivery": "d-1", "content-type": "application/json" });
    const payload = JSON.parse(labeled.body);
    expect(payload).toMatchObject({ action: "labeled", label: { name: "hamster:deliver" }, issue: { number: 12 }, installation: { id: expect.any(Number) } });
    expect(payload.repository).toMatchObject({ id: repo.id, clone_url: repo.cloneUrl, default_branch: "main" });
    expect(commentPayload(repo, 3, 99)).toMatchObject({ action: "created", comment: { id: 99, body: "/deliver" }, issue: { number: 3 } });
  });

  it("scripts a run: plan, tool turns, end turn, report", () => {
    const at = (assistantTurns: number, toolTurns?: number) =>
      replyToRun({ messages: Array.from({ length: assistantTurns }, () => ({ role: "assistant" })) }, toolTurns);
    expect(at(0).stop_reason).toBe("end_turn");
    expect(at(1).stop_reason).toBe("tool_use");
    expect(at(2).stop_reason).toBe("end_turn");
    expect(JSON.stringify(at(3).content)).toContain("criteria");
    expect(at(3, 3).content.some((b) => b.type === "tool_use" && JSON.stringify(b).includes("hello.txt"))).toBe(true);
    expect(at(4, 3).stop_reason).toBe("end_turn");
  });

  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 99)).toBe(198);
    expect(percentile([], 99)).toBe(0);
  });

  it("lets a benchmark wait for a call to the fake GitHub, recorded or still to come", async () => {
    server = await startFakeGitHubServer({ secondaryLimit: null });
    const waiting = server.waitForCall((c) => c.endpoint === "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions", 5_000);
    await fetch(`${server.url}/api/v3/repos/o/r/issues/1/reactions`, { method: "POST", body: JSON.stringify({ content: "eyes" }) });
    expect((await waiting).status).toBe(201);
    expect((await server.waitForCall((c) => c.status === 201, 10)).path).toBe("/api/v3/repos/o/r/issues/1/reactions");
    await expect(server.waitForCall((c) => c.method === "DELETE", 20)).rejects.toThrow(/within 20 ms/);
  });
});
