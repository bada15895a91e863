import { describe, expect, it } from "vitest";
import { createKeyedLock, createLeaseCounter } from "../../src/workspace/mirror-lock.js";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe("createKeyedLock", () => {
  it("runs holders of one key one at a time, in order, and other keys alongside", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    const hold = (key: string, name: string) =>
      lock.withLock(key, async () => {
        events.push(`${name} start`);
        await tick();
        events.push(`${name} end`);
        return name;
      });

    const results = await Promise.all([hold("a", "a1"), hold("a", "a2"), hold("b", "b1"), hold("a", "a3")]);

    expect(results).toEqual(["a1", "a2", "b1", "a3"]);
    const onA = events.filter((event) => event.startsWith("a"));
    expect(onA).toEqual(["a1 start", "a1 end", "a2 start", "a2 end", "a3 start", "a3 end"]);
    // b1 did not wait for a's queue.
    expect(events.indexOf("b1 start")).toBeLessThan(events.indexOf("a1 end"));
    expect(lock.isLocked("a")).toBe(false);
  });

  it("releases the key when a holder fails", async () => {
    const lock = createKeyedLock();
    const failing = lock.withLock("a", async () => {
      await tick();
      throw new Error("boom");
    });
    const next = lock.withLock("a", async () => "next");
    expect(lock.isLocked("a")).toBe(true);

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
