import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_INSTRUCTIONS_CHARS, readRepoInstructions } from "../../src/context/repo-instructions.js";

let root: string;
let workdir: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-instructions-")));
  workdir = path.join(root, "repo");
  mkdirSync(path.join(workdir, ".github"), { recursive: true });
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(name: string, text: string): void {
  writeFileSync(path.join(workdir, name), text);
}

describe("readRepoInstructions", () => {
  it("returns nothing when there are no instruction files", async () => {
    expect(await readRepoInstructions(workdir)).toEqual([]);
    expect(await readRepoInstructions(path.join(root, "missing"))).toEqual([]);
  });

  it("reads AGENTS.md, CLAUDE.md and .github/copilot-instructions.md in that order", async () => {
    write(".github/copilot-instructions.md", "Copilot rules\n");
    write("CLAUDE.md", "Claude rules\r\n");
    write("AGENTS.md", "# Agents\n\nRun `npm test`.\n");
    expect(await readRepoInstructions(workdir)).toEqual([
      { path: "AGENTS.md", text: "# Agents\n\nRun `npm test`." },
      { path: "CLAUDE.md", text: "Claude rules" },
      { path: ".github/copilot-instructions.md", text: "Copilot rules" },
    ]);
  });

  it("leaves out empty files and directories", async () => {
    write("AGENTS.md", " \n\u200B\n");
    mkdirSync(path.join(workdir, "CLAUDE.md"));
    write(".github/copilot-instructions.md", "Only me");
    expect(await readRepoInstructions(workdir)).toEqual([{ path: ".github/copilot-instructions.md", text: "Only me" }]);
  });

  it("removes invisible and bidi control characters", async () => {
    write("AGENTS.md", "Keep\u200B the API \u202Eunchanged\u202C.\uFEFF");
    expect(await readRepoInstructions(workdir)).toEqual([{ path: "AGENTS.md", text: "Keep the API unchanged." }]);
  });

  it("refuses symbolic links that lead outside the checkout", async () => {
    writeFileSync(path.join(root, "secret.txt"), "OUTSIDE-SECRET\n");
    symlinkSync(path.join(root, "secret.txt"), path.join(workdir, "AGENTS.md"));
    symlinkSync(root, path.join(workdir, ".github", "escape"));
    symlinkSync("../../secret.txt", path.join(workdir, ".github", "copilot-instructions.md"));
    write("CLAUDE.md", "Inside");
    const found = await readRepoInstructions(workdir);
    expect(found).toEqual([{ path: "CLAUDE.md", text: "Inside" }]);
    expect(JSON.stringify(found)).not.toContain("OUTSIDE-SECRET");
  });

  it("reads a link to another file inside the checkout once", async () => {
    write("AGENTS.md", "Shared rules");
    symlinkSync("AGENTS.md", path.join(workdir, "CLAUDE.md"));
    write("docs.md", "Copilot via link");
    symlinkSync("../docs.md", path.join(workdir, ".github", "copilot-instructions.md"));
    expect(await readRepoInstructions(workdir)).toEqual([
      { path: "AGENTS.md", text: "Shared rules" },
      { path: ".github/copilot-instructions.md", text: "Copilot via link" },
    ]);
  });

  it("caps each file at 20,000 characters with a note", async () => {
    write("AGENTS.md", `${"a".repeat(MAX_INSTRUCTIONS_CHARS - 1)}b${"c".repeat(5000)}TAIL-MARKER`);
    write("CLAUDE.md", "x".repeat(MAX_INSTRUCTIONS_CHARS));
    const [agents, claude] = await readRepoInstructions(workdir);
    expect(MAX_INSTRUCTIONS_CHARS).toBe(20_000);
    expect(agents?.text.startsWith(`${"a".repeat(MAX_INSTRUCTIONS_CHARS - 1)}b\n\n[AGENTS.md is cut off here`)).toBe(true);
    expect(agents?.text).toMatch(/longer than 20,000 characters/);
    expect(agents?.text).not.toContain("TAIL-MARKER");
    // Exactly at the limit is not cut.
    expect(claude?.text).toBe("x".repeat(MAX_INSTRUCTIONS_CHARS));
  });

  it("notes the cut when only the start of a big file was read, even if little text is left of it", async () => {
    // Invisible characters fill the part that is read; the visible tail is never reached.
    write("AGENTS.md", `Start${"\u200B".repeat(100_000)}TAIL-MARKER`);
    const [agents] = await readRepoInstructions(workdir);
    expect(agents?.text).toMatch(/^Start\n\n\[AGENTS\.md is cut off here: it is longer than 20,000 characters/);
    // A character split at the read limit must not turn into a replacement character.
    expect(agents?.text).not.toContain("\uFFFD");
  });
});
