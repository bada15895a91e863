import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseBranchName } from "../git/ref-name.js";
import { runCheckoutStep, verifyCheckout } from "./checkout-git.js";
import { resolveCommit } from "./commit-all.js";
import { buildBaseGitEnv, HOST_CONFIG } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

/** The run's work as one patch, as a reviewer reads it: from where the branch left its base to its head. */
export interface WorkDiff {
  /** Where the work starts: the merge base of the base and the head. */
  readonly baseSha: string;
  readonly headSha: string;
  /** `git diff` from baseSha to headSha, at most `maxBytes` (UTF-8) of it. */
  readonly patch: string;
  /** The diff was longer than `maxBytes`: `patch` holds its first files (or, for one huge file, its first lines). */
  readonly truncated: boolean;
}

export interface ReadWorkDiffOptions {
  /** The base: a commit id, or a branch whose `origin/` tip the checkout holds (a salvaged workspace). */
  readonly from: { readonly commit: string } | { readonly branch: string };
  /** The work's head commit. */
  readonly head: string;
  readonly maxBytes: number;
  /** git is killed after this long; default 60 s. */
  readonly timeoutMs?: number;
}

const COMMIT_ID = /^[0-9a-f]{7,64}$/i;
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The diff of a checkout's work against the merge base with its base, read with the host-side
 * rules (the checkout's config checked first, hooks off, no external diff or textconv program),
 * and never more than `maxBytes` held in memory: past that, git is stopped and the patch is cut
 * at the last whole file (or line) that fits.
 */
export async function readWorkDiff(dir: string, options: ReadWorkDiffOptions): Promise<WorkDiff> {
  if (!COMMIT_ID.test(options.head)) throw new WorkspaceError("git_failed", `"${options.head}" is not a commit id, so Hamster cannot read the diff.`);
  const baseRev = resolveBaseRev(options.from);
  await verifyCheckout(dir);
  const headSha = await resolveCommit(dir, options.head);
  const baseSha = await findMergeBase(dir, baseRev, headSha);
  const { output, truncated } = await streamDiff(dir, baseSha, headSha, options.maxBytes, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return { baseSha, headSha, patch: (truncated ? cutPatch(output) : output).toString("utf8"), truncated };
}

function resolveBaseRev(from: ReadWorkDiffOptions["from"]): string {
  if ("commit" in from) {
    if (!COMMIT_ID.test(from.commit)) throw new WorkspaceError("git_failed", `"${from.commit}" is not a commit id, so Hamster cannot read the diff.`);
    return from.commit;
  }
  const branch = parseBranchName(from.branch);
  if (!branch.ok) throw new WorkspaceError("git_failed", `Hamster cannot read the diff against "${from.branch}": ${branch.reason}.`, { branch: from.branch });
  return `refs/remotes/origin/${branch.value}`;
}

/** The merge base; the base itself when the two share no history (the whole head is then the work). */
async function findMergeBase(dir: string, baseRev: string, headSha: string): Promise<string> {
  try {
    return (await runCheckoutStep(dir, ["merge-base", "--end-of-options", baseRev, headSha], "find where the work started")).trim();
  } catch {
    return resolveCommit(dir, baseRev);
  }
}

/**
 * Runs `git diff` and keeps at most `maxBytes + 1` bytes of what it prints: one byte more than
 * fits says the patch was longer. Spawned rather than run through simple-git, which would hold
 * all of a huge diff in memory before returning it.
 */
function streamDiff(dir: string, baseSha: string, headSha: string, maxBytes: number, timeoutMs: number): Promise<{ output: Buffer; truncated: boolean }> {
  const args = [
    ...HOST_CONFIG.flatMap((setting) => ["-c", setting]),
    // Paths as written (not octal escapes), so the viewer shows the names the agent used.
    "-c",
    "core.quotePath=false",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--find-renames",
    // Whatever the host's config says about prefixes, the patch is in the usual form.
    "--src-prefix=a/",
    "--dst-prefix=b/",
    baseSha,
    headSha,
    "--",
  ];
  const env = { ...buildBaseGitEnv(), GIT_DIR: join(dir, ".git"), GIT_WORK_TREE: dir };
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      if (truncated) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        truncated = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString("utf8");
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new WorkspaceError("git_failed", `Hamster could not read the diff: ${error.message}.`, { command: "diff", cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks);
      if (truncated) return resolve({ output: output.subarray(0, maxBytes), truncated });
      if (code === 0) return resolve({ output, truncated });
      const why = signal ? `it was stopped (${signal})` : stderr.trim() || `exit code ${code}`;
      reject(new WorkspaceError("git_failed", `Hamster could not read the diff: ${why}.`, { command: "diff", gitOutput: stderr.trim() }));
    });
  });
}

const FILE_HEADER = Buffer.from("\ndiff --git ");

/** A cut patch ends at the last file that fits whole, or else at the last whole line: it still parses. */
function cutPatch(output: Buffer): Buffer {
  const file = output.lastIndexOf(FILE_HEADER);
  if (file > 0) return output.subarray(0, file + 1);
  const line = output.lastIndexOf(0x0a);
  return line >= 0 ? output.subarray(0, line + 1) : Buffer.alloc(0);
}
