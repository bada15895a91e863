import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { Logger } from "probot";
import { simpleGit } from "simple-git";
import { parse as parseYaml } from "yaml";
import type { AgentProvider } from "../agent/provider.js";
import { createAgentRegistry } from "../agent/registry.js";
import type { AppSettings } from "../config/env.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config/repo-config.js";
import { parseBranchName } from "../git/ref-name.js";
import { parseMarkdown } from "../markdown/parse-markdown.js";
import { openDatabase } from "../store/database.js";
import { createRunStore } from "../store/run-store.js";
import { STAGES } from "../domain/run-state.js";
import type { Run } from "../domain/run.js";
import { executeRun } from "../lifecycle/execute-run.js";
import { CliError } from "./cli-error.js";
import { createConsoleHost } from "./console-host.js";

export interface LocalRunOptions {
  readonly repo: string;
  readonly taskFile: string;
  readonly branch?: string;
  readonly model?: string;
  readonly agent?: string;
}

export interface LocalRunIo {
  readonly out: Writable;
  readonly settings: AppSettings;
  readonly log: Logger;
  readonly builtinAgent: AgentProvider;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

/** Splits a task file into its title (the first level-1 heading, or the file name) and body. */
export function parseTaskFile(text: string, fileName: string): { title: string; body: string } {
  const root = parseMarkdown(text);
  const heading = root.children.find((node) => node.type === "heading" && node.depth === 1);
  if (!heading?.position) return { title: basename(fileName).replace(/\.[^.]+$/, ""), body: text.trim() };
  const title = text.slice(heading.position.start.offset, heading.position.end.offset).replace(/^#\s*/, "").replace(/\s*#*\s*$/, "").trim();
  const body = (text.slice(0, heading.position.start.offset) + text.slice(heading.position.end.offset)).trim();
  return { title, body };
}

/**
 * `hamster run`: the app's pipeline on a local repository. The repository is the "remote":
 * the work branch is created in it and the result is pushed back to it, never elsewhere.
 */
export async function runLocal(options: LocalRunOptions, io: LocalRunIo): Promise<Run> {
  const repoPath = resolve(options.repo);
  if (!existsSync(join(repoPath, ".git"))) throw new CliError(`${repoPath} is not the top of a git repository (no .git there).`);
  let taskText: string;
  try {
    taskText = await readFile(options.taskFile, "utf8");
  } catch {
    throw new CliError(`Cannot read the task file ${options.taskFile}.`);
  }
  const { title, body } = parseTaskFile(taskText, options.taskFile);
  if (title === "") throw new CliError(`The task file ${options.taskFile} has an empty title.`);

  const configPath = join(repoPath, REPO_CONFIG_PATH);
  let rawConfig: unknown = null;
  if (existsSync(configPath)) {
    try {
      rawConfig = parseYaml(await readFile(configPath, "utf8"));
    } catch (error) {
      throw new CliError(`${REPO_CONFIG_PATH} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const config = parseRepoConfig(rawConfig);
  if (!config.ok) throw new CliError(`${REPO_CONFIG_PATH} has problems:\n${config.errors.map((e) => `- ${e}`).join("\n")}`);

  const current = (await simpleGit(repoPath).revparse(["--abbrev-ref", "HEAD"])).trim();
  const baseBranch = options.branch ?? config.config.branch ?? current;
  const checked = parseBranchName(baseBranch);
  if (!checked.ok) throw new CliError(`--branch ${JSON.stringify(baseBranch)}: ${checked.reason}`);

  const registry = await createAgentRegistry({
    builtin: io.builtinAgent,
    env: io.env,
    commandTimeoutMs: io.settings.commandTimeoutMs,
    sandbox: io.settings.sandbox,
    cliNetwork: io.settings.agentCliNetwork,
  });
  const agent = options.agent ?? config.config.agent ?? "claude";
  if (!registry.known.includes(agent)) throw new CliError(registry.explainMissing(agent));

  const db = openDatabase(io.settings.dataDir);
  try {
    const runs = createRunStore(db);
    // A local run is one process; one left active in this data directory was interrupted.
    for (const state of ["queued", ...STAGES] as const) {
      for (const stale of runs.listRunsInState(state).filter((r) => r.trigger === "local")) {
        runs.transitionRun(stale.id, "failed", { reason: "Interrupted: the hamster run process ended before the run did." });
      }
    }
    const { setup, test, budgets, readyForReview, allowWorkflowChanges } = config.config;
    const run = runs.createRun({
      installationId: 0,
      trigger: "local",
      requestedBy: io.env["USER"] ?? "local",
      deliveryId: null,
      request: {
        repo: { id: 0, owner: "local", name: basename(repoPath), cloneUrl: pathToFileURL(repoPath).href, defaultBranch: current, htmlUrl: "" },
        issue: { number: 0, title, body, author: io.env["USER"] ?? "local", htmlUrl: "" },
        baseBranch,
        targetBranch: baseBranch,
        agent,
        model: options.model ?? config.config.model ?? io.settings.defaultModel,
        instructions: "",
        // Always in this process: a local run has no runner, whatever HAMSTER_EXECUTOR says.
        settings: { setup, ...(test !== undefined ? { test } : {}), budgets, readyForReview, allowWorkflowChanges, executor: "local" },
      },
    });
    if (config.warnings.length > 0) runs.updateRun(run.id, { notes: config.warnings });
    io.out.write(`Hamster run #${run.id} on ${repoPath} (${baseBranch}) · agent ${agent} · model ${run.request.model}\nTask: ${title}\n\n`);
    await executeRun(
      {
        runs,
        settings: io.settings,
        log: io.log,
        createHost: async (r) => createConsoleHost({ runs, runId: r.id, out: io.out }),
        getAgent: (name) => registry.available[name] ?? { unavailable: registry.explainMissing(name) },
      },
      run.id,
      io.signal,
    );
    return runs.getRun(run.id);
  } finally {
    db.close();
  }
}
