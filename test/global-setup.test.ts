import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findMissingRequirements } from "./global-setup.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function locate(command: string): string {
  const dirs = (process.env["PATH"] ?? "").split(path.delimiter).filter((dir) => dir !== "");
  const found = dirs.map((dir) => path.join(dir, command)).find((file) => existsSync(file));
  if (!found) throw new Error(`${command} is not on PATH`);
  return found;
}

/** A PATH holding only the named commands (as found on this PATH), and the given scripts. */
function pathWith(commands: readonly string[], scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hamster-path-"));
  made.push(dir);
  for (const command of commands) symlinkSync(locate(command), path.join(dir, command));
  for (const [name, body] of Object.entries(scripts)) writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

describe("the tests' requirements", () => {
  it("are met on this machine", async () => {
    expect(await findMissingRequirements(process.env["PATH"] ?? "")).toBeUndefined();
  });

  it("name every missing command in one message, with the packages to install", async () => {
    const message = await findMissingRequirements(pathWith(["git", "prlimit"]));
    expect(message).toBe(
      "The tests need `bwrap`, `curl` on PATH, which this machine lacks. Install them with `apt-get install bubblewrap curl` (as root), then run the tests again.",
    );
  });

  it("say why a bubblewrap that is installed cannot start a sandbox", async () => {
    const searchPath = pathWith(["git", "prlimit", "curl", "true"], { bwrap: "echo 'bwrap: setting up uid map: Permission denied' >&2; exit 1" });
    const message = await findMissingRequirements(searchPath);
    expect(message).toMatch(/^The tests run commands in the real bubblewrap sandbox, and no sandbox can start on this machine/);
    expect(message).toContain("setting up uid map: Permission denied");
  });
});
