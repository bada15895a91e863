import { rm } from "node:fs/promises";
import { isAbsolute, parse } from "node:path";
import { WorkspaceError } from "./workspace-error.js";

// The workspace API in one place; each part lives in its own file.
export { prepareCheckout } from "./prepare-checkout.js";
export type { PrepareCheckoutOptions, PreparedCheckout } from "./prepare-checkout.js";
export { commitAll, listChangedFiles, resolveCommit } from "./commit-all.js";
export type { CommitResult } from "./commit-all.js";
export { pushBranch } from "./push-branch.js";
export { readWorkDiff } from "./read-work-diff.js";
export type { ReadWorkDiffOptions, WorkDiff } from "./read-work-diff.js";
export { pruneMirrors } from "./prune-mirrors.js";
export type { PruneMirrorsOptions, PrunedMirrors, RemovedMirror } from "./prune-mirrors.js";
export { renderMirrorDir, renderSpareDir } from "./mirror-name.js";
export { refillSpare } from "./refill-spare.js";
export type { RefillSpareOptions, RefilledSpare } from "./refill-spare.js";
export { getDiskUsage } from "./disk-usage.js";
export type { PushBranchOptions } from "./push-branch.js";
export type { GitAuthor } from "./run-git.js";
export { WorkspaceError } from "./workspace-error.js";
export type { WorkspaceErrorCode } from "./workspace-error.js";

/** Deletes a run's checkout; a missing directory is fine. */
export async function removeCheckout(dir: string): Promise<void> {
  // A relative or root path here would be a bug elsewhere; refuse rather than delete it.
  if (!isAbsolute(dir) || parse(dir).root === dir) {
    throw new WorkspaceError("git_failed", `Refusing to remove "${dir}": a checkout directory must be an absolute path below the root.`);
  }
  await rm(dir, { recursive: true, force: true });
}
