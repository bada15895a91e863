import { describe, expect, it } from "vitest";
import { createKeyedLock, createLeaseCounter } from "../../src/workspace/mirror-lock.js";
import { createGate as gate } from "../helpers/wait.js";

// Holders wait on gates the test opens, not on timers: the order of events is the test's.

/** Lets every promise callback that is ready run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("createKeyedLock", () => {
  it("runs holders of one key one at a time, in order, and other keys alongside", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    const gates = new Map(["a1", "a2", "b1", "a3"].map((name) => [name, gate()]));
    const hold = (key: string, name: string) =>
      lock.withLock(key, async () => {
        events.push(`${name} start`);
        await gates.get(name)!.promise;
        events.push(`${name} end`);
        return name;
      });

    const all = Promise.all([hold("a", "a1"), hold("a", "a2"), hold("b", "b1"), hold("a", "a3")]);
    await flush();
    // b1 did not wait for a's queue; a2 and a3 wait for a1.
    expect(events).toEqual(["a1 start", "b1 start"]);
    // Released out of order, a's holders still end in order, each before the next starts.
    for (const name of ["a3", "a2", "b1", "a1"]) {
      gates.get(name)!.open();
      await flush();
    }
    expect(await all).toEqual(["a1", "a2", "b1", "a3"]);
    const onA = events.filter((event) => event.startsWith("a"));
    expect(onA).toEqual(["a1 start", "a1 end", "a2 start", "a2 end", "a3 start", "a3 end"]);
    expect(lock.isLocked("a")).toBe(false);
  });

  it("releases the key when a holder fails", async () => {
    const lock = createKeyedLock();
    const failure = gate();
    const failing = lock.withLock("a", async () => {
      await failure.promise;
      throw new Error("boom");
    });
    const next = lock.withLock("a", async () => "next");
    expect(lock.isLocked("a")).toBe(true);

    failure.open();
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("next");
    expect(lock.isLocked("a")).toBe(false);
  });
});

describe("createLeaseCounter", () => {
  it("counts overlapping leases and drops the key when the last one ends, also on failure", async () => {
    const leases = createLeaseCounter();
    let release: () => void = () => undefined;
    const first = leases.withLease("m", () => new Promise<void>((resolve) => (release = resolve)));
    const second = leases.withLease("m", async () => {
      throw new Error("boom");
    });

    await expect(second).rejects.toThrow("boom");
    expect(leases.isLeased("m")).toBe(true);
    release();
    await first;
    expect(leases.isLeased("m")).toBe(false);
  });
});
