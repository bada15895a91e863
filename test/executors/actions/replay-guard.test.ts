import { describe, expect, it } from "vitest";
import { createReplayGuard } from "../../../src/executors/actions/replay-guard.js";

/** A clock the test moves; the guard reads it in milliseconds. */
function createClock(startSec = 1_800_000_000) {
  let nowMs = startSec * 1000;
  return { now: () => nowMs, sec: () => nowMs / 1000, advanceSec: (seconds: number) => (nowMs += seconds * 1000) };
}

describe("createReplayGuard", () => {
  it("lets each token id be claimed once", () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now });
    const exp = clock.sec() + 300;
    expect(guard.claim("a", exp)).toBe(true);
    expect(guard.claim("a", exp)).toBe(false);
    expect(guard.claim("b", exp)).toBe(true);
    clock.advanceSec(299);
    expect(guard.claim("a", exp)).toBe(false);
  });

  it("remembers a token while the verifier's clock tolerance could still accept it, then forgets it", () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, graceSec: 60 });
    const exp = clock.sec() + 300;
    expect(guard.claim("a", exp)).toBe(true);
    clock.advanceSec(300 + 59);
    expect(guard.claim("a", exp)).toBe(false);
    // Later the same id comes only with a new token, expiring later.
    clock.advanceSec(2);
    expect(guard.claim("a", clock.sec() + 300)).toBe(true);
  });

  it("refuses a token past its expiry and grace", () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, graceSec: 60 });
    expect(guard.claim("old", clock.sec() - 61)).toBe(false);
    expect(guard.claim("recent", clock.sec() - 30)).toBe(true);
  });

  it("refuses new tokens rather than forget live ones when full, and makes room as they expire", () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, max: 2, graceSec: 0 });
    expect(guard.claim("a", clock.sec() + 100)).toBe(true);
    expect(guard.claim("b", clock.sec() + 300)).toBe(true);
    expect(guard.claim("c", clock.sec() + 300)).toBe(false);
    expect(guard.claim("a", clock.sec() + 100)).toBe(false);
    clock.advanceSec(101);
    expect(guard.claim("c", clock.sec() + 300)).toBe(true);
    expect(guard.claim("b", clock.sec() + 300)).toBe(false);
  });
});
