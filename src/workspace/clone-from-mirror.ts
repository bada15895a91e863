import { dirname } from "node:path";
import { runCheckoutStep } from "./checkout-git.js";
import { buildCloneFailure } from "./clone-failure.js";
import { runGit } from "./run-git.js";

/**
 * A checkout that borrows the mirror's objects through `objects/info/alternates`
 * (`clone --shared`) instead of copying them, then has `origin` pointed at the real
 * remote, where pushes go (they name the URL explicitly anyway). Nothing is checked out.
 * Both a run's checkout and a mirror's spare are made this way, so they match.
 *
 * Not `git worktree add`: a worktree's `.git` is a file pointing into the mirror, whose
 * index, HEAD and refs live in the mirror too, so the agent's sandbox would need the
 * mirror writable. A `--shared` clone is a repository of its own; the sandbox can make the
 * checkout writable and bind the mirror read-only at the same absolute path (the
 * alternates file names it). The mirror never deletes objects (gc is off), so a checkout
 * never loses one it borrows; pruneMirrors only deletes whole mirrors no checkout uses.
 */
export async function cloneFromMirror(dir: string, mirrorDir: string, remoteUrl: string, baseBranch: string): Promise<void> {
  try {
    await runGit({
      cwd: dirname(dir),
      args: ["clone", "--quiet", "--shared", "--no-checkout", "--no-tags", "--single-branch", `--branch=${baseBranch}`, "--end-of-options", mirrorDir, dir],
      silent: true,
    });
  } catch (error) {
    throw buildCloneFailure(error, remoteUrl, undefined);
  }
  await runCheckoutStep(dir, ["config", "--local", "remote.origin.url", remoteUrl], "point origin at the repository", { silent: true });
}
