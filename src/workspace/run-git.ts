import { simpleGit } from "simple-git";
import type { SimpleGitOptions } from "simple-git";
import { redactToken } from "./git-auth.js";

export interface GitAuthor {
  name: string;
  email: string;
}

/**
 * Config for every host-side git command. A checkout has been in the agent's hands, so
 * its `.git/hooks` and a `core.fsmonitor` it may have set must never run on the host.
 */
export const HOST_CONFIG = ["core.hooksPath=/dev/null", "core.fsmonitor=false"] as const;

/**
 * simple-git kills a command silent for this long. Generous, because a large clone
 * prints nothing while it transfers; it only has to stop a hung process eventually.
 */
const IDLE_TIMEOUT_MS = 10 * 60_000;

export interface GitCall {
  /** Working directory; must exist. */
  cwd: string;
  args: readonly string[];
  /** Added to the minimal base environment (auth, author, GIT_DIR…). */
  env?: Record<string, string>;
  /** Redacted from everything this call reports. */
  token?: string | undefined;
  /**
   * The command prints nothing when it succeeds (`config k v`, `update-ref`, `--quiet`).
   * simple-git waits 50 ms more after a command that wrote nothing to stdout or stderr;
   * such a command therefore runs with GIT_TRACE_SETUP, whose few lines on stderr spare
   * the wait and are removed from what the call reports.
   */
  silent?: boolean;
}

/** A line GIT_TRACE_SETUP writes: `12:34:56.123456 trace.c:414   setup: git_dir: .git`. */
const SETUP_TRACE_LINE = /^\d{2}:\d{2}:\d{2}\.\d{6} \S+:\d+ +setup: .*(?:\n|$)/gm;

/** git exited non-zero, or simple-git refused to start it. Output already redacted. */
export class GitCommandError extends Error {
  override readonly name = "GitCommandError";
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${command} failed${exitCode === undefined ? "" : ` (exit code ${exitCode})`}: ${stderr.trim() || stdout.trim() || "no output"}`);
  }

  /** What git said, for messages: stderr, else stdout, trimmed. */
  get output(): string {
    return (this.stderr.trim() || this.stdout.trim()).trim();
  }
}

/**
 * The environment a host-side git command starts from. Built, not inherited: a GIT_DIR,
 * GIT_CONFIG_* or GIT_SSH_COMMAND in the app's own environment must not steer git.
 */
export function buildBaseGitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG"] as const) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Author and committer for one command; env rather than `-c user.*` so no config is involved. */
export function buildAuthorEnv(author: GitAuthor): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}

/** Runs one git command through simple-git and returns its stdout; throws GitCommandError. */
export async function runGit(call: GitCall): Promise<string> {
  const env = { ...buildBaseGitEnv(), ...call.env, ...(call.silent ? { GIT_TRACE_SETUP: "1" } : {}) };
  const command = call.args.find((arg) => !arg.startsWith("-")) ?? "";
  const redact = (text: string) => redactToken(call.silent ? text.replace(SETUP_TRACE_LINE, "") : text, call.token);
  // simple-git wraps whatever the errors hook returns in its own GitError; keep ours aside.
  let failure: GitCommandError | undefined;
  const options: Partial<SimpleGitOptions> = {
    baseDir: call.cwd,
    config: [...HOST_CONFIG],
    trimmed: false,
    timeout: { block: IDLE_TIMEOUT_MS },
    // simple-git's guard rejects explicitly passed GIT_* variables; allow exactly the
    // ones this call sets, all of which come from this module's callers, never from input.
    allowEnvironment: Object.keys(env).filter((key) => key.toUpperCase().startsWith("GIT_")),
    unsafe: {
      // The guard forbids setting these keys because a hostile value would run a program;
      // ours are constants that stop programs from running, and no input reaches `-c`.
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      // Only the auth env uses GIT_CONFIG_COUNT; its key (http.extraHeader) is still
      // checked against simple-git's list of dangerous config keys.
      ...("GIT_CONFIG_COUNT" in env ? { allowUnsafeConfigEnvCount: true } : {}),
    },
    // simple-git treats a non-zero exit with empty stderr as success; git does not.
    errors: (error, result) => {
      if (result.exitCode === 0 && error === undefined) return undefined;
      const stdout = redact(Buffer.concat(result.stdOut).toString("utf8"));
      const stderr = redact(Buffer.concat(result.stdErr).toString("utf8"));
      const reason = stderr || (error instanceof Error ? redact(error.message) : "");
      failure = new GitCommandError(command, result.exitCode, stdout, reason);
      return failure;
    },
  };
  try {
    return await simpleGit(options).env(env).raw([...call.args]);
  } catch (error) {
    if (failure !== undefined) throw failure;
    // Refused before git started (a guard, a missing directory, the idle timeout).
    const message = error instanceof Error ? error.message : String(error);
    throw new GitCommandError(command, undefined, "", redact(message));
  }
}
