import { describe, expect, it } from "vitest";
import { createTtlCache } from "../../src/github/ttl-cache.js";

describe("createTtlCache", () => {
  it("shares one load within the TTL, loads again after it, and forgets failures", async () => {
    let clock = 0;
    let loads = 0;
    const cache = createTtlCache<number>(1_000, 10, () => clock);
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("a", load), cache.get("a", load)])).toEqual([1, 1]);
    clock = 999;
    expect(await cache.get("a", load)).toBe(1);
    clock = 1_000;
    expect(await cache.get("a", load)).toBe(2);
    await expect(cache.get("b", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await cache.get("b", load)).toBe(3);
  });

  it("stays bounded", async () => {
    const cache = createTtlCache<string>(60_000, 3, () => 0);
    for (const key of ["a", "b", "c", "d"]) await cache.get(key, async () => key);
    let reloaded = false;
    await cache.get("a", async () => ((reloaded = true), "a"));
    expect(reloaded).toBe(true);
  });
});
