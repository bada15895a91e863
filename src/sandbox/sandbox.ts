import { readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { buildEgressProxyEnv, EGRESS_BRIDGE_PORT, EGRESS_BRIDGE_SCRIPT, EGRESS_SOCKET_DIR_INSIDE } from "./egress-bridge.js";

/*
 * The sandbox every command Hamster starts runs in (the bash tool, setup and test commands,
 * command-provider CLIs): bubblewrap, with the whole file system read-only, a private /tmp,
 * the checkout (and the command's HOME) writable, the app's own files hidden, its own pid,
 * IPC, UTS, cgroup and user namespaces, no network unless asked, no capabilities, and
 * resource limits set by prlimit inside. What a command can reach holds no secret: its
 * environment is built from nothing by the caller (bwrap passes it through unchanged), the
 * app's process is not in its /proc, and the data directory, the app's directory and the
 * private key are covered.
 *
 * Why each part:
 * - `--unshare-user` even as root, with `--cap-drop ALL`: bwrap run by root keeps every
 *   capability by default, and a capable process can unmount the tmpfs that hides the data
 *   directory. In a user namespace of its own, with no capability and `--disable-userns`
 *   (no nested namespace where capabilities could be regained), the mounts stay as built.
 * - `--unshare-pid`: /proc shows only the sandbox's processes, so `/proc/<app pid>/environ`
 *   is out of reach; and when bwrap dies (it is killed with the runner's process group, or
 *   `--die-with-parent` fires), the namespace's init dies and the kernel kills every
 *   process in it, background processes and double forks included.
 * - `--new-session`: no controlling terminal to push input into (TIOCSTI).
 * - Mounts are applied parents first (by depth), so a hidden directory may hold the
 *   workdir, HOME or a read-only path, which are mounted again on top of it; then each
 *   hidden directory is remounted read-only (nothing can be stored in it).
 * - Limits through `prlimit` (util-linux) run inside the sandbox rather than a
 *   `sh -c 'ulimit …'` wrapper: it takes exact byte counts (`ulimit` units differ between
 *   shells, and POSIX `sh` only knows `-f`), needs no quoting of the command, and execs the
 *   command directly. Set inside the sandbox's own user namespace, RLIMIT_NPROC counts that
 *   sandbox's processes only (Linux ≥ 5.14 counts it per user namespace), not every process
 *   of the app's user on the machine.
 * - Network "proxy" (setup commands, command-line agents): a network namespace of its own, so nothing but
 *   the egress proxy's socket leads out; the bridge that makes that socket a TCP proxy
 *   runs before prlimit (see egress-bridge.ts), and the proxy variables are set with
 *   `--setenv` because the caller's environment is built from nothing.
 */

export type SandboxMode = "bubblewrap" | "off";
/**
 * "none": only a loopback interface of its own; "host": the host's network, 127.0.0.1
 * services included; "proxy": like "none", plus HTTP(S) through the egress proxy whose
 * socket the policy names (see egress-bridge.ts).
 */
export type SandboxNetwork = "none" | "host" | "proxy";

export interface SandboxLimits {
  /**
   * RLIMIT_DATA of each process (its writable private memory: heap and anonymous maps).
   * Not RLIMIT_AS: V8 reserves address space for WebAssembly memories, so under a 4 GiB
   * RLIMIT_AS `node`'s own `fetch` (undici's llhttp is WebAssembly) crashes; Go and Java
   * reserve large arenas the same way. Reservations (PROT_NONE) do not count in RLIMIT_DATA.
   * Per process, not per sandbox: several processes may each use this much.
   */
  readonly memoryBytes?: number;
  /**
   * RLIMIT_NPROC (processes and threads) of the sandbox, counted in its own user namespace.
   * Not enforced when the app runs as root: the kernel exempts uid 0, so a fork bomb is
   * then stopped only by the command timeout.
   */
  readonly processes?: number;
  /** RLIMIT_FSIZE: largest file a process may write (a bigger write gets SIGXFSZ/EFBIG). */
  readonly fileSizeBytes?: number;
  /** RLIMIT_CPU of each process. Default: none, the command timeout bounds the time. */
  readonly cpuSeconds?: number;
  /** Size of the sandbox's private /tmp (memory-backed). */
  readonly tmpBytes?: number;
}

export interface SandboxPolicy {
  readonly mode: SandboxMode;
  /** Absolute path of the checkout: the one place, besides /tmp and `writablePaths`, a command can write. */
  readonly workdir: string;
  /**
   * Absolute paths made invisible inside: an empty read-only tmpfs over a directory,
   * /dev/null (unreadable: no device access) over anything else. Paths that do not exist
   * are skipped. A hidden directory may contain the workdir: the workdir is mounted on
   * top of it again.
   */
  readonly hidePaths: readonly string[];
  /** Further absolute directories mounted writable, e.g. the command's HOME (which lies in the host's /tmp). */
  readonly writablePaths?: readonly string[];
  /**
   * Absolute paths inside hidden directories shown again, read-only: e.g. the objects of the
   * mirror a `clone --shared` checkout borrows (`<dataDir>/mirrors/<name>/objects`, named by
   * its `.git/objects/info/alternates`). Given by the app, never read from the checkout,
   * whose files the command controls.
   */
  readonly readOnlyPaths?: readonly string[];
  readonly network: SandboxNetwork;
  /** With network "proxy": the egress proxy's Unix socket on the host (its directory is mounted into the sandbox). */
  readonly egressProxySocket?: string | undefined;
  /** Absent fields take the DEFAULT_SANDBOX_LIMITS value; `Infinity` means no limit. */
  readonly limits: SandboxLimits;
}

/** A policy for any checkout: what the app configures once; the agent or runner adds the workdir. */
export type SandboxSettings = Omit<SandboxPolicy, "workdir">;
/** How agents take the sandbox: the settings, or a factory that builds the policy for a checkout. */
export type SandboxOption = SandboxSettings | ((workdir: string) => SandboxPolicy);

const GiB = 1024 ** 3;

/**
 * The limits a command gets unless the policy says otherwise:
 * - memory: 4 GiB of RLIMIT_DATA per process (see SandboxLimits.memoryBytes);
 * - processes: 512 per sandbox, enough for `make -j`, test runners and JVM threads, and
 *   small enough that a fork bomb stops there instead of filling the machine's pid table;
 * - file size: 1 GiB per file;
 * - CPU time: none (the command timeout bounds it);
 * - /tmp: 1 GiB.
 * Output is capped by the runner (runProcess), not here.
 */
export const DEFAULT_SANDBOX_LIMITS = {
  memoryBytes: 4 * GiB,
  processes: 512,
  fileSizeBytes: 1 * GiB,
  cpuSeconds: Number.POSITIVE_INFINITY,
  tmpBytes: 1 * GiB,
} as const satisfies Required<SandboxLimits>;

/** Looked up on the command's PATH: bwrap outside the sandbox, prlimit inside it. */
export const BWRAP_COMMAND = "bwrap";
export const PRLIMIT_COMMAND = "prlimit";

/** A policy that cannot be turned into a sandbox (relative path, hidden workdir, missing workdir). */
export class SandboxPolicyError extends Error {
  override readonly name = "SandboxPolicyError";
}

/** The policy for `workdir` from the agent's option, with what the caller adds (its HOME, a network it needs). */
export function resolveSandboxPolicy(
  option: SandboxOption,
  workdir: string,
  additions: {
    readonly writablePaths?: readonly string[];
    readonly readOnlyPaths?: readonly string[];
    readonly network?: SandboxNetwork;
    readonly egressProxySocket?: string;
  } = {},
): SandboxPolicy {
  const base = typeof option === "function" ? option(workdir) : { ...option, workdir };
  return {
    ...base,
    writablePaths: [...(base.writablePaths ?? []), ...(additions.writablePaths ?? [])],
    ...(base.readOnlyPaths !== undefined || additions.readOnlyPaths !== undefined
      ? { readOnlyPaths: [...(base.readOnlyPaths ?? []), ...(additions.readOnlyPaths ?? [])] }
      : {}),
    network: additions.network ?? base.network,
    ...(additions.egressProxySocket !== undefined ? { egressProxySocket: additions.egressProxySocket } : {}),
  };
}

/** One mount of the sandbox, ordered by the depth of its target so a parent is mounted before what lies in it. */
interface MountStep {
  readonly target: string;
  readonly args: readonly string[];
  /** Hidden directories are remounted read-only after everything under them is mounted. */
  readonly hiddenDir?: boolean;
  /** Nothing of the host shows below it: a hidden path, or the sandbox's own /dev, /proc and /tmp. */
  readonly opaque?: boolean;
}

/**
 * The argv that runs `file args` in the sandbox `policy` describes, in `cwd` (default: the
 * workdir; it must lie inside the workdir). With mode "off", `file args` unchanged.
 * Reads the file system (realpath, stat) to resolve links and to tell directories from
 * files; throws SandboxPolicyError for a policy it cannot honour.
 */
export function buildSandboxedCommand(
  file: string,
  args: readonly string[],
  policy: SandboxPolicy,
  cwd: string = policy.workdir,
): { file: string; args: string[] } {
  if (policy.mode === "off") return { file, args: [...args] };

  const workdir = realDirectory(policy.workdir, "workdir");
  const chdir = realDirectory(cwd, "working directory");
  if (!isInside(chdir, workdir)) throw new SandboxPolicyError(`The command's directory ${cwd} is outside the sandbox's workdir ${policy.workdir}.`);
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...definedOnly(policy.limits) };

  const steps: MountStep[] = [
    { target: "/dev", args: ["--dev", "/dev"], opaque: true },
    { target: "/proc", args: ["--proc", "/proc"], opaque: true },
    { target: "/tmp", args: [...sizeArgs(limits.tmpBytes), "--tmpfs", "/tmp"], opaque: true },
  ];
  const claimed = new Map<string, string>([
    ["/dev", "the sandbox's /dev"],
    ["/proc", "the sandbox's /proc"],
    ["/tmp", "the sandbox's /tmp"],
  ]);
  const claim = (target: string, what: string): boolean => {
    const previous = claimed.get(target);
    if (previous === undefined) {
      claimed.set(target, what);
      return true;
    }
    if (previous === what) return false;
    throw new SandboxPolicyError(`${target} is both ${previous} and ${what} in the sandbox policy.`);
  };

  for (const hidden of policy.hidePaths) {
    const target = realExisting(requireAbsolute(hidden, "hidden path"));
    if (target === undefined) continue;
    if (target === "/") throw new SandboxPolicyError("The sandbox cannot hide / itself.");
    const isDirectory = statSync(target).isDirectory();
    if (!claim(target, "hidden")) continue;
    steps.push(
      isDirectory
        ? { target, args: ["--perms", "0755", "--tmpfs", target], hiddenDir: true, opaque: true }
        : { target, args: ["--ro-bind", "/dev/null", target], opaque: true },
    );
  }
  for (const writable of policy.writablePaths ?? []) {
    const target = realExisting(requireAbsolute(writable, "writable path"));
    if (target === undefined) continue;
    if (target === "/") throw new SandboxPolicyError("The sandbox cannot make / writable.");
    if (!claim(target, "writable")) continue;
    steps.push({ target, args: ["--bind", target, target] });
  }
  for (const readOnly of policy.readOnlyPaths ?? []) {
    const target = realExisting(requireAbsolute(readOnly, "read-only path"));
    if (target === undefined) continue;
    if (!claim(target, "read-only")) continue;
    steps.push({ target, args: ["--ro-bind", target, target] });
  }
  if (claim(workdir, "writable")) steps.push({ target: workdir, args: ["--bind", workdir, workdir] });
  const egress = policy.network === "proxy" ? buildEgressSteps(policy, steps) : undefined;
  if (egress !== undefined && claim(EGRESS_SOCKET_DIR_INSIDE, "the egress proxy's socket directory")) steps.push(egress.mount);

  // Stable: equal depths never overlap (equal targets were refused or merged above).
  steps.sort((a, b) => depth(a.target) - depth(b.target));

  return {
    file: BWRAP_COMMAND,
    args: [
      "--die-with-parent",
      "--unshare-user",
      "--disable-userns",
      "--cap-drop",
      "ALL",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      ...(policy.network === "host" ? [] : ["--unshare-net"]),
      "--ro-bind",
      "/",
      "/",
      ...steps.flatMap((step) => step.args),
      ...steps.filter((step) => step.hiddenDir === true).flatMap((step) => ["--remount-ro", step.target]),
      "--chdir",
      chdir,
      "--new-session",
      ...Object.entries(egress?.env ?? {}).flatMap(([name, value]) => ["--setenv", name, value]),
      "--",
      ...(egress?.bridge ?? []),
      PRLIMIT_COMMAND,
      ...limitArgs(limits),
      "--",
      file,
      ...args,
    ],
  };
}

/**
 * For network "proxy": the mount that shows the proxy's socket directory inside, the
 * variables that point tools at the bridge, and the bridge's argv before prlimit (outside
 * the command's limits, so a low memory limit cannot break it). The directory is bound
 * read-only: connecting to a socket needs write permission on the socket, not a writable
 * mount, and the command cannot replace the socket.
 */
function buildEgressSteps(policy: SandboxPolicy, steps: readonly MountStep[]): { mount: MountStep; env: Record<string, string>; bridge: string[] } {
  if (policy.egressProxySocket === undefined) throw new SandboxPolicyError('The sandbox\'s network is "proxy", but no egress proxy socket was given.');
  const socket = requireAbsolute(policy.egressProxySocket, "egress proxy socket");
  const socketDir = realDirectory(path.dirname(socket), "egress proxy socket directory");
  const node = realpathSync(process.execPath);
  // The deepest mount holding node decides whether the sandbox sees it.
  const holder = steps.filter((step) => isInside(node, step.target)).sort((a, b) => depth(b.target) - depth(a.target))[0];
  if (holder?.opaque === true) {
    throw new SandboxPolicyError(
      `Setup commands and command-line agents reach the network through a bridge that runs node (${node}) inside the sandbox, but ${holder.target} is hidden there. Install node outside the hidden paths, or set HAMSTER_SETUP_NETWORK and HAMSTER_AGENT_CLI_NETWORK to host.`,
    );
  }
  return {
    mount: { target: EGRESS_SOCKET_DIR_INSIDE, args: ["--ro-bind", socketDir, EGRESS_SOCKET_DIR_INSIDE] },
    env: buildEgressProxyEnv(),
    bridge: [node, "-e", EGRESS_BRIDGE_SCRIPT, "--", path.posix.join(EGRESS_SOCKET_DIR_INSIDE, path.basename(socket)), String(EGRESS_BRIDGE_PORT)],
  };
}

function limitArgs(limits: Required<SandboxLimits>): string[] {
  const hard = readHardLimits();
  const arg = (option: string, resource: string, n: number): string[] => {
    // Left out when it is not below this process's hard limit, which the sandbox inherits:
    // prlimit may lower a hard limit, never raise it, and a failing prlimit would fail every command.
    return Number.isFinite(n) && n < (hard.get(resource) ?? Number.POSITIVE_INFINITY) ? [`--${option}=${Math.max(0, Math.floor(n))}`] : [];
  };
  return [
    ...arg("data", "Max data size", limits.memoryBytes),
    ...arg("nproc", "Max processes", limits.processes),
    ...arg("fsize", "Max file size", limits.fileSizeBytes),
    ...arg("cpu", "Max cpu time", limits.cpuSeconds),
  ];
}

let hardLimits: Map<string, number> | undefined;

/** This process's hard resource limits by /proc/self/limits name ("Max processes"); empty where it cannot be read. */
function readHardLimits(): Map<string, number> {
  if (hardLimits !== undefined) return hardLimits;
  const limits = new Map<string, number>();
  try {
    for (const line of readFileSync("/proc/self/limits", "utf8").split("\n").slice(1)) {
      const match = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
      if (match === null) continue;
      const value = match[3] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match[3]);
      if (match[1] !== undefined && !Number.isNaN(value)) limits.set(match[1], value);
    }
  } catch {
    // Not Linux, or no /proc: bwrap does not run there either.
  }
  hardLimits = limits;
  return limits;
}

function sizeArgs(bytes: number): string[] {
  return Number.isFinite(bytes) ? ["--size", String(Math.max(4096, Math.floor(bytes)))] : [];
}

function definedOnly(limits: SandboxLimits): SandboxLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as SandboxLimits;
}

function requireAbsolute(p: string, what: string): string {
  if (!path.isAbsolute(p)) throw new SandboxPolicyError(`The sandbox's ${what} must be an absolute path, got "${p}".`);
  return path.resolve(p);
}

/** The path with links resolved, or undefined when it does not exist. */
function realExisting(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

function realDirectory(p: string, what: string): string {
  const real = realExisting(requireAbsolute(p, what));
  if (real === undefined || !statSync(real).isDirectory()) throw new SandboxPolicyError(`The sandbox's ${what} ${p} is not an existing directory.`);
  return real;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (relative.split(path.sep)[0] !== ".." && !path.isAbsolute(relative));
}

function depth(p: string): number {
  return p.split("/").filter((part) => part !== "").length;
}
