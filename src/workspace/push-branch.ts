import { parseBranchName } from "../git/ref-name.js";
import { runCheckoutGit, verifyBorrowedObjects, verifyCheckout } from "./checkout-git.js";
import { buildGitAuthEnv } from "./git-auth.js";
import { parseRemoteUrl, renderSafeUrl } from "./remote-url.js";
import { GitCommandError } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

export interface PushBranchOptions {
  dir: string;
  remoteUrl: string;
  token?: string | undefined;
  workBranch: string;
  /** The commit to push; HEAD when absent. */
  commit?: string;
}

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Pushes HEAD (or `commit`) to `refs/heads/<workBranch>` at `remoteUrl`, never forced. The URL is given
 * on the command line rather than taken from `origin`, so nothing in the checkout's
 * config decides where the token goes.
 */
export async function pushBranch(o: PushBranchOptions): Promise<void> {
  const remoteUrl = parseRemoteUrl(o.remoteUrl);
  const branch = parseBranchName(o.workBranch);
  if (!branch.ok) throw new WorkspaceError("git_failed", `Hamster cannot push to "${o.workBranch}": ${branch.reason}.`, { branch: o.workBranch });
  if (o.commit !== undefined && !COMMIT_ID.test(o.commit)) throw new WorkspaceError("git_failed", `"${o.commit}" is not a full commit id, so Hamster cannot push it.`);
  await verifyCheckout(o.dir);
  await verifyBorrowedObjects(o.dir, remoteUrl);
  try {
    await runCheckoutGit({
      dir: o.dir,
      token: o.token,
      env: buildGitAuthEnv(o.token),
      // --porcelain puts each ref's outcome on stdout in a fixed, untranslated format.
      args: ["push", "--porcelain", "--no-verify", "--end-of-options", remoteUrl, `${o.commit ?? "HEAD"}:refs/heads/${branch.value}`],
    });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    const context = { command: "push", gitOutput: error.output, branch: branch.value, cause: error };
    const rejection = parsePushRejection(error.stdout);
    if (rejection !== null) {
      const serverSaid = parseRemoteMessages(error.stderr);
      throw new WorkspaceError(
        "push_rejected",
        `The push to branch ${branch.value} was rejected (${rejection})${serverSaid ? `; the server said: ${serverSaid}` : ""}. ${describeRejection(rejection)}`,
        context,
      );
    }
    throw new WorkspaceError(
      "git_failed",
      `Hamster could not push branch ${branch.value} to ${renderSafeUrl(remoteUrl)}: ${error.output || "git failed without a message"}. Check that the app may write to this repository's contents, then retry.`,
      context,
    );
  }
}

/**
 * The reason git gave for a refused ref in `git push --porcelain` output
 * (`!<TAB>from:to<TAB>[rejected] (fetch first)` gives "fetch first"), or null when no
 * ref was refused.
 */
export function parsePushRejection(porcelain: string): string | null {
  for (const line of porcelain.split("\n")) {
    if (!line.startsWith("!\t")) continue;
    const summary = line.split("\t")[2]?.trim() ?? "";
    const match = /^\[([^\]]+)\](?:\s+\((.+)\))?$/.exec(summary);
    return match?.[2] ?? match?.[1] ?? (summary || "rejected");
  }
  return null;
}

/** What the server printed (git's `remote:` lines), joined and bounded; "" when nothing. */
export function parseRemoteMessages(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .filter((line) => line.startsWith("remote:"))
    .map((line) => line.slice("remote:".length).trim())
    .filter((line) => line !== "");
  const text = lines.join(" / ");
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function describeRejection(reason: string): string {
  if (/fetch first|non-fast-forward|stale info/.test(reason)) {
    return "The branch has commits Hamster does not have (someone pushed to it meanwhile); Hamster never force-pushes. Retry the run to start from the branch as it is now.";
  }
  return "The repository refused the update, for example through branch protection or a pre-receive hook. Allow the app to push to this branch, then retry.";
}
