import { runCheckoutStep, verifyCheckout } from "./checkout-git.js";
import { buildAuthorEnv } from "./run-git.js";
import type { GitAuthor } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

export interface CommitResult {
  sha: string;
  /** Paths changed relative to the previous HEAD, sorted. */
  files: string[];
}

const COMMIT_ID = /^[0-9a-f]{7,64}$/i;

/**
 * Commits everything in the checkout (new, modified and deleted files; `.gitignore`
 * honoured) as `author`. Returns null when there is nothing to commit.
 */
export async function commitAll(dir: string, message: string, author: GitAuthor): Promise<CommitResult | null> {
  await verifyCheckout(dir);
  await runCheckoutStep(dir, ["add", "--all"], "stage the agent's changes", { silent: true });
  const staged = await runCheckoutStep(dir, ["diff", "--cached", "--name-only", "-z", "--no-renames"], "list the staged changes");
  const files = parseNulList(staged);
  if (files.length === 0) return null;
  await createCommit(dir, message, author);
  return { sha: await resolveCommit(dir, "HEAD"), files };
}

/** Paths that differ between two commits, sorted; renames count as a deletion and an addition. */
export async function listChangedFiles(dir: string, fromSha: string, toSha: string): Promise<string[]> {
  for (const sha of [fromSha, toSha]) {
    // Checked because a value starting with "-" would be read as an option.
    if (!COMMIT_ID.test(sha)) throw new WorkspaceError("git_failed", `"${sha}" is not a commit id, so Hamster cannot list the changed files.`);
  }
  await verifyCheckout(dir);
  const output = await runCheckoutStep(dir, ["diff", "--name-only", "-z", "--no-renames", fromSha, toSha, "--"], "list the changed files");
  return parseNulList(output);
}

/** One commit of what is staged; `allowEmpty` for the run's start commit. */
export async function createCommit(dir: string, message: string, author: GitAuthor, options: { allowEmpty?: boolean } = {}): Promise<void> {
  const args = [
    "commit",
    "--quiet",
    // Hooks are already off through core.hooksPath; this says so at the call too.
    "--no-verify",
    // A signing setup in the host's global config is not the app's identity.
    "--no-gpg-sign",
    // The message is ours: keep lines starting with "#", only tidy whitespace.
    "--cleanup=whitespace",
    ...(options.allowEmpty ? ["--allow-empty"] : []),
    `--message=${message}`,
  ];
  await runCheckoutStep(dir, args, "commit", { env: buildAuthorEnv(author), silent: true });
}

/**
 * A commit on top of `parentSha` with the parent's tree, made without the index or the
 * work tree (so before the files are checked out); returns its id. The message is tidied
 * like `git commit --cleanup=whitespace` does.
 */
export async function createEmptyCommit(dir: string, parentSha: string, message: string, author: GitAuthor): Promise<string> {
  if (!COMMIT_ID.test(parentSha)) throw new WorkspaceError("git_failed", `"${parentSha}" is not a commit id, so Hamster cannot commit on top of it.`);
  const output = await runCheckoutStep(
    dir,
    ["commit-tree", "--no-gpg-sign", "-p", parentSha, "-m", renderCleanMessage(message), "--end-of-options", `${parentSha}^{tree}`],
    "commit",
    { env: buildAuthorEnv(author) },
  );
  return output.trim();
}

/** What `--cleanup=whitespace` makes of a message: no trailing spaces, no leading, trailing or repeated blank lines. */
export function renderCleanMessage(message: string): string {
  return message
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+|\n+$/g, "");
}

/** The full id of a commit in the checkout. */
export async function resolveCommit(dir: string, rev: string): Promise<string> {
  const output = await runCheckoutStep(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], `resolve ${rev}`);
  return output.trim();
}

function parseNulList(output: string): string[] {
  return output
    .split("\0")
    .filter((path) => path !== "")
    .sort();
}
