import { afterEach, describe, expect, it, vi } from "vitest";
import { ProtocolError } from "../../src/runner/protocol-client.js";
import { watchControl, type ControlWatch } from "../../src/runner/watch-control.js";

let watch: ControlWatch | undefined;

afterEach(() => {
  watch?.close();
  watch = undefined;
});

/** waitForControl answers with each of `answers` in turn (an Error is thrown), then holds until the signal ends it. */
function createClient(answers: ({ stop: string | null } | Error)[], heartbeat: () => Promise<{ stop: string | null }> = async () => ({ stop: null })) {
  const calls: number[] = [];
  return {
    calls,
    heartbeat: vi.fn(heartbeat),
    waitForControl: vi.fn(async (waitMs: number, signal?: AbortSignal) => {
      calls.push(waitMs);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      if (answer !== undefined) return answer;
      return new Promise<{ stop: string | null }>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("closed"))));
    }),
  };
}

describe("watchControl", () => {
  it("long-polls for 2 s at a time and reports the stop once", async () => {
    const client = createClient([{ stop: null }, { stop: null }, { stop: "The run was cancelled." }]);
    const onStop = vi.fn();
    watch = watchControl({ client, onStop, heartbeatMs: 60_000 });
    await vi.waitFor(() => expect(onStop).toHaveBeenCalledWith("The run was cancelled.", false), { timeout: 5_000 });
    expect(client.calls).toEqual([2000, 2000, 2000]);
    expect(onStop).toHaveBeenCalledTimes(1);
  });

  it("polls again after a failure that may pass", async () => {
    const client = createClient([new ProtocolError("unreachable", null), { stop: "stop" }]);
    const onStop = vi.fn();
    watch = watchControl({ client, onStop, heartbeatMs: 60_000, retryDelayMs: 1 });
    await vi.waitFor(() => expect(onStop).toHaveBeenCalledWith("stop", false), { timeout: 5_000 });
  });

  it("stops the job as lost when the app refuses the credential", async () => {
    const client = createClient([new ProtocolError("HTTP 401", 401)]);
    const onStop = vi.fn();
    watch = watchControl({ client, onStop, heartbeatMs: 60_000 });
    await vi.waitFor(() => expect(onStop).toHaveBeenCalledWith(expect.stringMatching(/no longer accepts this runner/), true), { timeout: 5_000 });
  });

  it("stops the job as lost when the app cannot be reached for too long", async () => {
    const errors = Array.from({ length: 1_000 }, () => new ProtocolError("unreachable", null));
    const client = createClient(errors);
    const onStop = vi.fn();
    watch = watchControl({ client, onStop, heartbeatMs: 60_000, retryDelayMs: 5, giveUpAfterMs: 20 });
    await vi.waitFor(() => expect(onStop).toHaveBeenCalledWith(expect.stringMatching(/could not be reached/), true), { timeout: 5_000 });
  });

  it("sends heartbeats, and learns of a stop from their answers too", async () => {
    const client = createClient([], async () => ({ stop: "The app is shutting down." }));
    const onStop = vi.fn();
    watch = watchControl({ client, onStop, heartbeatMs: 10 });
    await vi.waitFor(() => expect(onStop).toHaveBeenCalledWith("The app is shutting down.", false), { timeout: 5_000 });
    expect(client.heartbeat).toHaveBeenCalled();
  });
});
