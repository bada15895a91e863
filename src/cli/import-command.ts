import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import pino from "pino";
import { createProbot } from "probot";
import { AppOctokit } from "../github/app-octokit.js";
import { hasStatus, type GitHubClient } from "../github/client.js";
import type { ImportResult } from "../github/import-tasks.js";
import { importTaskText } from "../intake/import-plan.js";
import type { HomeRepository } from "../task/plan/issue-references.js";
import { MAX_TASK_FILE_CHARS } from "../task/taskmaster/parse-taskmaster.js";
import type { TaskMasterPlan } from "../task/taskmaster/taskmaster-plan.js";
import { CliError } from "./cli-error.js";

export const IMPORT_USAGE = `Usage:
  hamster import --repo OWNER/NAME --issue N [--tag TAG] FILE

Reads a Task Master tasks file (.taskmaster/tasks/tasks.json) from this machine and makes
the tasks of the brief issue N of OWNER/NAME what it says, as "/hamster import" does on
the brief: one issue per task, created or updated (found again by its marker), each a
sub-issue of the brief (or an item of its task list where GitHub has no sub-issues), with
its dependencies. Done and cancelled tasks are skipped; a file with any problem (not JSON,
a shape Task Master does not write, a dependency cycle, more than 50 tasks) changes nothing.
--tag reads that tag of a tagged file (default master).

It signs in as the GitHub App, from the app's own environment: APP_ID, PRIVATE_KEY or
PRIVATE_KEY_PATH, and GHE_HOST / GHE_PROTOCOL on GitHub Enterprise Server. The app must
be installed on OWNER/NAME.`;

const REPOSITORY = /^([A-Za-z0-9][A-Za-z0-9_-]{0,38})\/([A-Za-z0-9._-]{1,100})$/;

interface ImportRequest {
  readonly owner: string;
  readonly repo: string;
  readonly issue: number;
  readonly file: string;
  readonly tag?: string;
}

export interface ImportCommandIo {
  readonly out: Writable;
  readonly err: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** The Octokit class to sign in with; default the app's (AppOctokit: GitHub's pace for writes, retries). */
  readonly Octokit?: typeof AppOctokit;
}

/** `hamster import`: returns the exit code (0 imported, 2 nothing changed: bad input). A usage problem is a CliError. */
export async function runImportCommand(args: readonly string[], io: ImportCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { repo: { type: "string" }, issue: { type: "string" }, tag: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const request = parseImportRequest(values, positionals);
  const text = await readTaskFile(request.file);
  const octokit = await getRepositoryOctokit(io, request);
  const brief = await getBrief(octokit, request);
  const imported = await importTaskText(octokit, brief.home, brief, { text, path: request.file, ...(request.tag !== undefined ? { tag: request.tag } : {}) });
  if (!imported.ok) {
    io.err.write(`Could not import ${request.file}; no issue was created or changed:\n${imported.problems.map((p) => `  - ${p}\n`).join("")}`);
    return 2;
  }
  io.out.write(renderImportSummary(request, imported.plan, imported.result));
  return 0;
}

function parseImportRequest(values: { repo?: string; issue?: string; tag?: string }, positionals: readonly string[]): ImportRequest {
  if (positionals.length !== 1) throw new CliError(`hamster import reads one tasks file, got ${positionals.length}.\n\n${IMPORT_USAGE}`);
  if (!values.repo || !values.issue) throw new CliError(`hamster import needs --repo and --issue (the brief).\n\n${IMPORT_USAGE}`);
  const repository = REPOSITORY.exec(values.repo);
  if (!repository) throw new CliError(`--repo must be OWNER/NAME, got "${values.repo}".`);
  if (!/^[1-9]\d{0,9}$/.test(values.issue)) throw new CliError(`--issue must be an issue number, got "${values.issue}".`);
  if (values.tag !== undefined && values.tag.trim() === "") throw new CliError("--tag must name a tag.");
  return { owner: repository[1]!, repo: repository[2]!, issue: Number(values.issue), file: positionals[0]!, ...(values.tag !== undefined ? { tag: values.tag } : {}) };
}

async function readTaskFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `${file}: no such file.` : `${file}: cannot read it (${code ?? String(error)}).`);
  }
  // The parser says so too, but only after the whole of a huge file is in memory twice.
  if (text.length > MAX_TASK_FILE_CHARS) throw new CliError(`${file}: larger than a tasks file may be (${MAX_TASK_FILE_CHARS} characters).`);
  return text;
}

/**
 * An Octokit of the app's installation on the repository, as the app builds them: the app's
 * JWT finds the installation (GET /repos/{owner}/{repo}/installation), then its token.
 */
async function getRepositoryOctokit({ env, err, Octokit = AppOctokit }: ImportCommandIo, request: ImportRequest): Promise<GitHubClient> {
  if (!/^[1-9]\d*$/.test(env["APP_ID"] ?? "")) throw new CliError("hamster import signs in as the GitHub App: set APP_ID to the app's id.");
  // Only these two: Probot would otherwise look for any *.pem in the working directory.
  if (!env["PRIVATE_KEY"] && !env["PRIVATE_KEY_PATH"]) throw new CliError("hamster import signs in as the GitHub App: set PRIVATE_KEY or PRIVATE_KEY_PATH to its private key.");
  const probot = createProbot({ env, overrides: { Octokit, log: pino({ level: env["LOG_LEVEL"] ?? "warn" }, err) } });
  const app = await probot.auth();
  try {
    const { data } = await app.rest.apps.getRepoInstallation({ owner: request.owner, repo: request.repo });
    return (await probot.auth(data.id)) as unknown as GitHubClient;
  } catch (error) {
    if (hasStatus(error, 404)) throw new CliError(`The app (APP_ID ${env["APP_ID"]}) is not installed on ${request.owner}/${request.repo}, or that repository does not exist.`);
    throw error;
  }
}

async function getBrief(octokit: GitHubClient, request: ImportRequest): Promise<{ number: number; body: string | null; home: HomeRepository }> {
  try {
    const { data } = await octokit.rest.issues.get({ owner: request.owner, repo: request.repo, issue_number: request.issue });
    if (data.pull_request) throw new CliError(`${request.owner}/${request.repo}#${request.issue} is a pull request; a plan is imported into a brief issue.`);
    // The brief's web address without /issues/N: links to its tasks count as references too.
    const htmlUrl = data.html_url.replace(/\/issues\/\d+$/, "");
    return { number: data.number, body: data.body ?? null, home: { owner: request.owner, repo: request.repo, htmlUrl } };
  } catch (error) {
    if (hasStatus(error, 404) || hasStatus(error, 410)) throw new CliError(`${request.owner}/${request.repo} has no issue #${request.issue}.`);
    throw error;
  }
}

function renderImportSummary(request: ImportRequest, plan: TaskMasterPlan, result: ImportResult): string {
  const count = (action: string) => result.issues.filter((issue) => issue.action === action).length;
  const lines = [
    `Imported ${request.file} (tag ${plan.tag}) into ${request.owner}/${request.repo}#${request.issue}: ${result.issues.length} task${result.issues.length === 1 ? "" : "s"}, ${count("created")} created, ${count("updated")} updated, ${count("unchanged")} unchanged.`,
    ...result.issues.map((issue) => `  task ${issue.taskId}  #${issue.number}  ${issue.action}`),
  ];
  if (plan.skipped.length > 0) lines.push(`Skipped as done or cancelled: ${plan.skipped.map((s) => `task ${s.id} (${s.status})`).join(", ")}.`);
  if (result.via === "task_list") lines.push("This GitHub has no sub-issues: the tasks are listed in the brief's task list.");
  if (!result.dependenciesOnGitHub) lines.push("This GitHub has no issue dependencies: each task's `Depends on` line gives the order.");
  else if (result.dependenciesAdded > 0) lines.push(`Added ${result.dependenciesAdded} issue ${result.dependenciesAdded === 1 ? "dependency" : "dependencies"}.`);
  return `${lines.join("\n")}\n`;
}
