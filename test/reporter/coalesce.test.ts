import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoalescer } from "../../src/reporter/coalesce.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("createCoalescer", () => {
  it("publishes at most once per interval, however often it is asked", async () => {
    const publish = vi.fn(async () => undefined);
    const coalescer = createCoalescer(publish, 5_000, () => undefined);
    for (let i = 0; i < 50; i++) coalescer.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(publish).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 50; i++) coalescer.request();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(publish).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(publish).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(publish).toHaveBeenCalledTimes(2);
  });

  it("waits for a slow publish instead of overlapping it", async () => {
    let release: () => void = () => undefined;
    let running = 0;
    let maxRunning = 0;
    const publish = vi.fn(() => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<void>((resolve) => (release = () => { running--; resolve(); }));
    });
    const coalescer = createCoalescer(publish, 1_000, () => undefined);
    coalescer.request();
    await vi.advanceTimersByTimeAsync(0);
    coalescer.request();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(publish).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(publish).toHaveBeenCalledTimes(2);
    expect(maxRunning).toBe(1);
    release();
  });

  it("stops publishing once cancelled, and reports errors without throwing", async () => {
    const errors: unknown[] = [];
    const publish = vi.fn(async () => {
      throw new Error("boom");
    });
    const coalescer = createCoalescer(publish, 1_000, (e) => errors.push(e));
    coalescer.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    coalescer.request();
    await coalescer.cancel();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
