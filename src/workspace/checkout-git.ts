import { lstat, readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { renderMirrorName } from "./mirror-name.js";
import { GitCommandError, runGit } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

/**
 * Local config keys that cannot make git run a program or send data elsewhere: what
 * `git clone` writes, plus what an agent harmlessly sets (`git config user.email …`).
 * Anything else (filters, include.path, url.*.insteadOf, http.*, credential.*, other
 * remotes, core.worktree…) could run code on the host or redirect the token on push.
 */
const SAFE_CONFIG_KEYS = new Set([
  "core.repositoryformatversion",
  "core.filemode",
  "core.bare",
  "core.logallrefupdates",
  "core.ignorecase",
  "core.precomposeunicode",
  "core.symlinks",
  "core.autocrlf",
  "core.eol",
  "core.safecrlf",
  "extensions.objectformat",
  // actions/checkout turns automatic gc off in the workspaces a runner on Actions takes.
  "gc.auto",
  "remote.origin.url",
  "remote.origin.fetch",
  "remote.origin.tagopt",
  "user.name",
  "user.email",
  "commit.gpgsign",
  "tag.gpgsign",
  "init.defaultbranch",
  "pull.rebase",
  "pull.ff",
  "push.default",
  "push.autosetupremote",
]);
const SAFE_CONFIG_PATTERNS = [/^branch\..+\.(remote|merge|rebase|description)$/, /^advice\.[a-z]+$/];

export interface CheckoutGitCall {
  dir: string;
  args: readonly string[];
  env?: Record<string, string>;
  token?: string | undefined;
  /** See GitCall.silent. */
  silent?: boolean;
}

/**
 * Runs git in a checkout with its git directory named explicitly: if `.git` were
 * missing or broken, discovery would walk up and could land in some enclosing
 * repository (the app's own, in development) and commit or push there.
 */
export function runCheckoutGit(call: CheckoutGitCall): Promise<string> {
  return runGit({
    cwd: call.dir,
    args: call.args,
    token: call.token,
    silent: call.silent,
    env: { ...call.env, GIT_DIR: join(call.dir, ".git"), GIT_WORK_TREE: call.dir },
  });
}

/**
 * Refuses a checkout the agent could have turned against the host: `.git` must be a
 * real directory (a `gitdir:` file or symlink could point at any repository), and the
 * local config may hold only keys from SAFE_CONFIG_KEYS. Call before git touches a
 * checkout after the agent had it.
 */
export async function verifyCheckout(dir: string): Promise<void> {
  const gitDir = join(dir, ".git");
  const stats = await lstat(gitDir).catch(() => null);
  if (!stats?.isDirectory()) {
    throw new WorkspaceError(
      "git_failed",
      `The checkout's .git directory (${gitDir}) is missing or was replaced by a file or link, so Hamster cannot commit from it safely. The agent must not modify .git; retry the run.`,
    );
  }
  let listing: string;
  try {
    // --local reads only .git/config and does not follow include.path, so a hostile
    // include shows up here as a key instead of being loaded.
    listing = await runCheckoutGit({ dir, args: ["config", "--local", "--list", "--null"] });
  } catch (error) {
    const detail = error instanceof GitCommandError ? error.output : String(error);
    throw new WorkspaceError("git_failed", `Hamster could not read the checkout's git config (${detail}). Retry the run.`, {
      command: "config",
      gitOutput: detail,
    });
  }
  const unsafe = findUnsafeConfigKeys(listing);
  if (unsafe.length > 0) {
    throw new WorkspaceError(
      "git_failed",
      `The checkout's git config was changed to include ${unsafe.join(", ")}, which Hamster does not allow because it can run programs or redirect pushes. The agent must not change git config; retry the run.`,
      { command: "config" },
    );
  }
}

/** Larger alternates files are not ones prepareCheckout wrote. */
const MAX_ALTERNATES_BYTES = 4096;

/**
 * Refuses a checkout whose `.git/objects/info/alternates` borrows objects from anywhere but
 * the mirror of `remoteUrl`. Git reads borrowed objects as its own, so an alternates file
 * pointing at another repository's mirror would let a push from this checkout carry that
 * repository's objects to this one. Call before pushing a checkout the agent had.
 */
export async function verifyBorrowedObjects(dir: string, remoteUrl: string): Promise<void> {
  const file = join(dir, ".git", "objects", "info", "alternates");
  const stats = await lstat(file).catch(() => null);
  if (stats === null) return;
  const refuse = (why: string) =>
    new WorkspaceError("git_failed", `The checkout's .git/objects/info/alternates ${why}, so Hamster will not push from it. The agent must not modify .git; retry the run.`);
  if (!stats.isFile() || stats.size > MAX_ALTERNATES_BYTES) throw refuse("was replaced by something other than the file Hamster wrote");
  const entries = (await readFile(file, "utf8")).split("\n").filter((line) => line.trim() !== "");
  const expected = renderMirrorName(remoteUrl);
  for (const entry of entries) {
    if (!isAbsolute(entry) || basename(entry) !== "objects" || basename(dirname(entry)) !== expected) {
      throw refuse(`names ${JSON.stringify(entry.slice(0, 200))}, which is not Hamster's mirror of this repository`);
    }
  }
}

/** Keys in `git config --list --null` output that SAFE_CONFIG_KEYS does not allow; sorted, unique. */
export function findUnsafeConfigKeys(listing: string): string[] {
  const unsafe = new Set<string>();
  for (const entry of listing.split("\0")) {
    if (entry === "") continue;
    const newline = entry.indexOf("\n");
    const key = (newline === -1 ? entry : entry.slice(0, newline)).toLowerCase();
    if (!SAFE_CONFIG_KEYS.has(key) && !SAFE_CONFIG_PATTERNS.some((pattern) => pattern.test(key))) unsafe.add(key);
  }
  return [...unsafe].sort();
}

/**
 * Runs git in the checkout as one step of a larger operation, turning a failure into a
 * WorkspaceError that says what was being done (`doing`, e.g. "commit").
 */
export async function runCheckoutStep(
  dir: string,
  args: readonly string[],
  doing: string,
  options: { env?: Record<string, string>; token?: string | undefined; silent?: boolean } = {},
): Promise<string> {
  try {
    return await runCheckoutGit({ dir, args, ...options });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    throw new WorkspaceError("git_failed", `Hamster could not ${doing} in the checkout: ${error.output || "git failed without a message"}.`, {
      command: error.command,
      gitOutput: error.output,
      cause: error,
    });
  }
}
