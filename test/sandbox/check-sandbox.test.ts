import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkSandbox, probeSandbox } from "../../src/sandbox/check-sandbox.js";
import { findExecutable } from "../../src/agent/command/find-executable.js";

const scratch = mkdtempSync(path.join(tmpdir(), "hamster-sandbox-check-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("checkSandbox", () => {
  it("finds bubblewrap working here (the sandbox tests need it), and remembers the answer", async () => {
    const first = checkSandbox();
    expect(checkSandbox()).toBe(first);
    const check = await first;
    if (!check.ok) throw new Error(`bubblewrap does not work here, so the sandbox cannot be tested:\n${check.reason}`);
    expect(check.ok).toBe(true);
  });

  it("warns when the app runs as root, where the process limit does not hold", async () => {
    const check = await probeSandbox();
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    if (process.getuid?.() === 0) expect(check.warnings.join("\n")).toMatch(/root.*RLIMIT_NPROC/s);
    else expect(check.warnings).toEqual([]);
  });

  it("names the fix when bubblewrap is not installed", async () => {
    const check = await probeSandbox({ env: { PATH: path.join(scratch, "empty") } });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain("apt-get install bubblewrap");
    expect(check.reason).toContain("HAMSTER_SANDBOX=off");
    expect(check.reason).toMatch(/ENOENT/);
  });

  it("names the fix when prlimit is missing", async () => {
    const bwrap = await findExecutable("bwrap", process.env["PATH"]);
    expect(bwrap, "bwrap must be on PATH for the sandbox tests").not.toBeNull();
    const onlyBwrap = path.join(scratch, "only-bwrap");
    mkdirSync(onlyBwrap);
    symlinkSync(bwrap!, path.join(onlyBwrap, "bwrap"));
    const check = await probeSandbox({ env: { PATH: onlyBwrap } });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain("util-linux");
    expect(check.reason).toContain("HAMSTER_SANDBOX=off");
  });
});
