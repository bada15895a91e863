import { describe, expect, it } from "vitest";
import { createTtlCache } from "../../src/github/ttl-cache.js";

describe("createTtlCache", () => {
  it("shares one load within the TTL, loads again after it, and forgets failures", async () => {
    let clock = 1_700_000_000_000;
    let loads = 0;
    const cache = createTtlCache<number>(1_000, 10, () => clock);
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("a", load), cache.get("a", load)])).toEqual([1, 1]);
    clock += 999;
    expect(await cache.get("a", load)).toBe(1);
    clock += 2;
    expect(await cache.get("a", load)).toBe(2);
    await expect(cache.get("b", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await cache.get("b", load)).toBe(3);
  });

  it("gives callers that come while a load is in flight that load's answer", async () => {
    const cache = createTtlCache<string>(60_000);
    let finish: (value: string) => void = () => undefined;
    const first = cache.get("a", () => new Promise<string>((resolve) => (finish = resolve)));
    const second = cache.get("a", async () => "second load");
    finish("first load");
    expect(await Promise.all([first, second])).toEqual(["first load", "first load"]);
  });

  it("stays bounded", async () => {
    const cache = createTtlCache<string>(60_000, 3, () => 1);
    for (const key of ["a", "b", "c", "d"]) await cache.get(key, async () => key);
    let reloaded = false;
    await cache.get("a", async () => ((reloaded = true), "a"));
    expect(reloaded).toBe(true);
  });

  it("still answers a load's callers when the load is pushed out while in flight", async () => {
    const cache = createTtlCache<string>(60_000, 1);
    let finish: (value: string) => void = () => undefined;
    const pushedOut = cache.get("a", () => new Promise<string>((resolve) => (finish = resolve)));
    expect(await cache.get("b", async () => "b")).toBe("b");
    finish("a");
    await expect(pushedOut).resolves.toBe("a");
  });
});
