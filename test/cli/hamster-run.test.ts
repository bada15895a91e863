import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeAnthropicServer, type FakeAnthropicServer, type ScriptedMessage } from "../../bench/lib/fake-anthropic-server.js";
import { parseTaskFile } from "../../src/cli/run-local.js";
import { writeFakeCli } from "../agent/fixtures/fake-cli.js";
import { createBareRemote, runTestGit } from "../helpers/git.js";
import { anthropicLike } from "../security/fake-secrets.js";

/**
 * `hamster run` as a developer uses it: the built binary, a fresh clone of a small real
 * repository, and a scripted Anthropic-compatible model server on 127.0.0.1.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

// dist/ is compiled once for all tests by test/global-setup.ts.

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const text = (t: string) => ({ type: "text" as const, text: t });
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({ type: "tool_use" as const, id, name, input });

function runHamster(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "dist/src/cli/main.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function setUp(replies: ScriptedMessage[]) {
  const remote = await createBareRemote();
  cleanups.push(() => remote.cleanup());
  const work = mkdtempSync(join(tmpdir(), "hamster-cli-"));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const repo = join(work, "sample");
  await runTestGit(["clone", "--quiet", remote.url, repo]);
  const taskFile = join(work, "task.md");
  writeFileSync(
    taskFile,
    "# Add a greeting file\n\nNewcomers should be greeted.\n\n## Acceptance criteria\n\n- `hello.txt` contains `hello`\n- `npm test` passes\n",
  );
  const server: FakeAnthropicServer = await startFakeAnthropicServer({ replies });
  cleanups.push(() => server.close());
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: work,
    ANTHROPIC_API_KEY: anthropicLike("test-cli"),
    ANTHROPIC_BASE_URL: server.url,
    HAMSTER_DATA_DIR: join(work, "data"),
  };
  return { repo, taskFile, server, env };
}

describe("hamster run", () => {
  it("delivers a task onto a local branch and prints the stages as they happen", async () => {
    const report = {
      summary: "Added hello.txt.",
      criteria: [
        { index: 1, status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } },
        { index: 2, status: "met", evidence: { kind: "command", command: "npm test", result: "ok" } },
      ],
    };
    const { repo, taskFile, server, env } = await setUp([
      { content: [text("- [ ] Create hello.txt\n- [ ] Run npm test")], stop_reason: "end_turn" },
      { content: [toolUse("t1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], stop_reason: "tool_use" },
      { content: [text("Created hello.txt.")], stop_reason: "end_turn" },
      { content: [text("```json\n" + JSON.stringify(report) + "\n```")], stop_reason: "end_turn" },
    ]);

    const result = await runHamster(["run", "--repo", repo, "--task", taskFile], env);
    if (process.env.SHOW_CLI_OUTPUT) console.log(result.stdout);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    // Stages in order, each on its own line, as they happen.
    const stageLines = lines.filter((l) => l.includes("▶")).map((l) => l.split("▶ ")[1]!.split(" ")[0]);
    expect(stageLines).toEqual(["queued", "preparing", "planning", "implementing", "verifying", "delivering", "succeeded"]);
    expect(result.stdout).toContain("branch hamster/0-add-a-greeting-file created from main");
    expect(result.stdout).toContain("· turn 2: str_replace_based_edit_tool create hello.txt");
    expect(result.stdout).toContain("Run #1: succeeded (success)");
    expect(result.stdout).toContain("1. [met] `hello.txt` contains `hello` — hello.txt:1");
    expect(result.stdout).toContain("Verification: npm test passed (1 run)");
    expect(result.stdout).toContain("The result is on the local branch hamster/0-add-a-greeting-file.");
    expect(server.requests).toHaveLength(4);

    // The work is a branch of the local repository; the working tree was not touched.
    expect((await runTestGit(["show", "hamster/0-add-a-greeting-file:hello.txt"], repo)).trim()).toBe("hello");
    expect((await runTestGit(["status", "--porcelain"], repo)).trim()).toBe("");
    expect((await runTestGit(["rev-parse", "--abbrev-ref", "HEAD"], repo)).trim()).toBe("main");
  });

  it("runs in this process whatever HAMSTER_EXECUTOR says, so an agent with its own key is not refused", async () => {
    const { repo, taskFile, env } = await setUp([]);
    const bin = mkdtempSync(join(tmpdir(), "hamster-cli-bin-"));
    cleanups.push(() => rmSync(bin, { recursive: true, force: true }));
    await writeFakeCli(bin, "codex", bin, 'echo "- [ ] Create hello.txt"');
    const result = await runHamster(["run", "--repo", repo, "--task", taskFile, "--agent", "codex"], {
      ...env,
      PATH: `${bin}:${env.PATH}`,
      HAMSTER_EXECUTOR: "process",
      HAMSTER_SANDBOX: "off",
    });
    expect(result.stdout).not.toContain("a runner never holds");
    // It got as far as the agent, which changed nothing.
    expect(result.stdout).toContain("without changing any file");
  });

  it("explains bad arguments and a missing repository", async () => {
    const { taskFile, env } = await setUp([]);
    const missing = await runHamster(["run", "--task", taskFile], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("hamster run needs --repo and --task");
    const notRepo = await runHamster(["run", "--repo", tmpdir(), "--task", taskFile], env);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toContain("is not the top of a git repository");
    const unknown = await runHamster(["run", "--repo", ".", "--task", taskFile, "--colour"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--colour");
  });
});

describe("parseTaskFile", () => {
  it("takes the first level-1 heading as the title", () => {
    expect(parseTaskFile("Intro\n\n# Add retries\n\nBody text.\n", "x.md")).toEqual({ title: "Add retries", body: "Intro\n\n\n\nBody text." });
    expect(parseTaskFile("No heading here.", "tasks/fix-login.md")).toEqual({ title: "fix-login", body: "No heading here." });
  });
});
