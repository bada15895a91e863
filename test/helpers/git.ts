import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Taken at load, so a test that puts a wrapper first on PATH does not wrap the helpers' git. */
const HELPER_PATH = process.env.PATH ?? "/usr/bin:/bin";

/** Every helper command gives up after this; tests must not hang on git. */
const GIT_TIMEOUT_MS = 20_000;

/** Identity of commits the helpers make, so tests can tell them from the app's. */
export const SEED_AUTHOR = { name: "Seed Author", email: "seed@example.test" } as const;

export const DEFAULT_REMOTE_FILES: Readonly<Record<string, string>> = {
  "README.md": "# Sample project\n\nA small repository used in tests.\n",
  "package.json": `${JSON.stringify({ name: "sample", version: "1.0.0", private: true, scripts: { test: "node test.js" } }, null, 2)}\n`,
  "test.js": 'console.log("ok");\n',
};

/**
 * git for tests, isolated from the machine: no system or global config, no GIT_*
 * variables from the environment, a fixed identity. Args only, never a shell string.
 */
export async function runTestGit(args: readonly string[], cwd?: string): Promise<string> {
  const env: Record<string, string> = {
    PATH: HELPER_PATH,
    HOME: process.env.HOME ?? tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: SEED_AUTHOR.name,
    GIT_AUTHOR_EMAIL: SEED_AUTHOR.email,
    GIT_COMMITTER_NAME: SEED_AUTHOR.name,
    GIT_COMMITTER_EMAIL: SEED_AUTHOR.email,
  };
  const { stdout } = await execFileAsync("git", [...args], {
    cwd: cwd ?? tmpdir(),
    env,
    timeout: GIT_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    encoding: "utf8",
  });
  return stdout;
}

export interface BareRemote {
  /** The bare repository. */
  dir: string;
  /** `file://` URL of `dir`, as a repository's clone_url. */
  url: string;
  /** Removes the repository and its temp directory. */
  cleanup(): Promise<void>;
}

export interface BareRemoteOptions {
  /** Files of the initial commit on `main`; DEFAULT_REMOTE_FILES when omitted. */
  files?: Record<string, string>;
  /** More branches, each pointing at the initial commit. */
  branches?: string[];
}

/** A temp bare repository whose `main` holds one commit with `files`. */
export async function createBareRemote(options: BareRemoteOptions = {}): Promise<BareRemote> {
  const root = await mkdtemp(join(tmpdir(), "hamster-remote-"));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const dir = join(root, "remote.git");
    await runTestGit(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
    await commitToRemote(dir, "main", options.files ?? DEFAULT_REMOTE_FILES, "Initial commit");
    for (const branch of options.branches ?? []) {
      await runTestGit(["--git-dir", dir, "branch", "--end-of-options", branch, "main"]);
    }
    return { dir, url: pathToFileURL(dir).href, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Adds a commit to `branch` of a bare repository as someone else would: writes `files`
 * (null deletes one) on top of the branch, or starts the branch when it does not exist.
 * Returns the new commit's id.
 */
export async function commitToRemote(bareDir: string, branch: string, files: Record<string, string | null>, message: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "hamster-seed-"));
  try {
    await runTestGit(["init", "--quiet", `--initial-branch=${branch}`, work]);
    const exists = (await runTestGit(["--git-dir", bareDir, "branch", "--list", "--end-of-options", branch])).trim() !== "";
    if (exists) {
      await runTestGit(["fetch", "--quiet", "--end-of-options", bareDir, `refs/heads/${branch}`], work);
      await runTestGit(["reset", "--quiet", "--hard", "FETCH_HEAD"], work);
    }
    for (const [path, content] of Object.entries(files)) {
      const file = join(work, path);
      if (content === null) {
        await rm(file, { force: true });
      } else {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
      }
    }
    await runTestGit(["add", "--all"], work);
    await runTestGit(["commit", "--quiet", "--allow-empty", "--no-verify", `--message=${message}`], work);
    await runTestGit(["push", "--quiet", "--end-of-options", bareDir, `HEAD:refs/heads/${branch}`], work);
    return (await runTestGit(["rev-parse", "HEAD"], work)).trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A file's content on a branch of a bare repository. */
export async function readRemoteFile(bareDir: string, branch: string, path: string): Promise<string> {
  return runTestGit(["--git-dir", bareDir, "show", "--end-of-options", `refs/heads/${branch}:${path}`]);
}

/** Branch names of a bare repository, sorted. */
export async function listRemoteBranches(bareDir: string): Promise<string[]> {
  const output = await runTestGit(["--git-dir", bareDir, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/"]);
  return output.split("\n").filter((line) => line !== "").sort();
}

/** Commit subjects on a branch of a bare repository, newest first. */
export async function getRemoteLog(bareDir: string, branch: string): Promise<string[]> {
  const output = await runTestGit(["--git-dir", bareDir, "log", "--format=%s", "--end-of-options", `refs/heads/${branch}`]);
  return output.split("\n").filter((line) => line !== "");
}

/** The commit a branch of a bare repository points at; null when there is no such branch. */
export async function getRemoteSha(bareDir: string, branch: string): Promise<string | null> {
  try {
    return (await runTestGit(["--git-dir", bareDir, "rev-parse", "--verify", "--quiet", "--end-of-options", `refs/heads/${branch}`])).trim();
  } catch {
    return null;
  }
}
