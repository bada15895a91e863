import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BWRAP_COMMAND,
  buildSandboxedCommand,
  DEFAULT_SANDBOX_LIMITS,
  PRLIMIT_COMMAND,
  resolveSandboxPolicy,
  SandboxPolicyError,
  type SandboxPolicy,
} from "../../src/sandbox/sandbox.js";
import { EGRESS_BRIDGE_PORT, EGRESS_BRIDGE_SCRIPT, EGRESS_SOCKET_DIR_INSIDE } from "../../src/sandbox/egress-bridge.js";

let root: string;
let data: string;
let workdir: string;
let keyFile: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-sandbox-argv-")));
  data = path.join(root, "data");
  workdir = path.join(data, "workspaces", "run-7");
  mkdirSync(workdir, { recursive: true });
  keyFile = path.join(root, "key.pem");
  writeFileSync(keyFile, "key");
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function policy(overrides: Partial<SandboxPolicy> = {}): SandboxPolicy {
  return { mode: "bubblewrap", workdir, hidePaths: [data, keyFile], network: "none", limits: {}, ...overrides };
}

/** The options of the bwrap argv as [option, ...operands] groups, up to `--`. */
function bwrapOptions(args: readonly string[]): string[] {
  return args.slice(0, args.indexOf("--"));
}

describe("buildSandboxedCommand", () => {
  it("builds the bwrap argv: namespaces, read-only root, private /tmp, hidden paths, then the workdir, then prlimit and the command", () => {
    const { file, args } = buildSandboxedCommand("bash", ["-c", "npm test"], policy());
    expect(file).toBe(BWRAP_COMMAND);
    expect(args).toEqual([
      "--die-with-parent",
      "--unshare-user",
      "--disable-userns",
      "--cap-drop",
      "ALL",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--unshare-net",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--size",
      String(DEFAULT_SANDBOX_LIMITS.tmpBytes),
      "--tmpfs",
      "/tmp",
      // Depth order: the data dir and the key (both shallower) before the workdir inside the data dir.
      ...["--perms", "0755", "--tmpfs", data],
      ...["--ro-bind", "/dev/null", keyFile],
      ...["--bind", workdir, workdir],
      ...["--remount-ro", data],
      ...["--chdir", workdir],
      "--new-session",
      "--",
      PRLIMIT_COMMAND,
      `--data=${DEFAULT_SANDBOX_LIMITS.memoryBytes}`,
      `--nproc=${DEFAULT_SANDBOX_LIMITS.processes}`,
      `--fsize=${DEFAULT_SANDBOX_LIMITS.fileSizeBytes}`,
      "--",
      "bash",
      "-c",
      "npm test",
    ]);
  });

  it("keeps the host network only when asked", () => {
    expect(bwrapOptions(buildSandboxedCommand("true", [], policy({ network: "host" })).args)).not.toContain("--unshare-net");
  });

  it("with network proxy: no network of its own, the proxy's socket directory read-only at a fixed path, the proxy variables, and the bridge before prlimit", () => {
    const socketDir = path.join(root, "egress");
    mkdirSync(socketDir);
    const socket = path.join(socketDir, "proxy.sock");
    const { args } = buildSandboxedCommand("bash", ["-c", "npm ci"], policy({ network: "proxy", egressProxySocket: socket }));
    const options = bwrapOptions(args);
    expect(options).toContain("--unshare-net");
    expect(options.join(" ")).toContain(`--ro-bind ${socketDir} ${EGRESS_SOCKET_DIR_INSIDE}`);
    const url = `http://127.0.0.1:${EGRESS_BRIDGE_PORT}`;
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) expect(options.join(" ")).toContain(`--setenv ${name} ${url}`);
    expect(options.join(" ")).toContain("--setenv NO_PROXY localhost,127.0.0.1");
    const command = args.slice(args.indexOf("--") + 1);
    expect(command.slice(0, 6)).toEqual([realpathSync(process.execPath), "-e", EGRESS_BRIDGE_SCRIPT, "--", `${EGRESS_SOCKET_DIR_INSIDE}/proxy.sock`, String(EGRESS_BRIDGE_PORT)]);
    expect(command[6]).toBe(PRLIMIT_COMMAND);
    expect(command.slice(-3)).toEqual(["bash", "-c", "npm ci"]);
  });

  it("refuses network proxy without a socket, or with node hidden from the sandbox", () => {
    expect(() => buildSandboxedCommand("true", [], policy({ network: "proxy" }))).toThrow(/no egress proxy socket/);
    const socket = path.join(root, "proxy.sock");
    const nodeDir = path.dirname(realpathSync(process.execPath));
    expect(() => buildSandboxedCommand("true", [], policy({ network: "proxy", egressProxySocket: socket, hidePaths: [nodeDir] }))).toThrow(SandboxPolicyError);
    expect(() => buildSandboxedCommand("true", [], policy({ network: "proxy", egressProxySocket: socket, hidePaths: [nodeDir] }))).toThrow(/runs node/);
  });

  it("mounts a hidden path inside the workdir after the workdir, and writable paths where they belong", () => {
    const secretInWorkdir = path.join(workdir, ".secrets");
    mkdirSync(secretInWorkdir);
    const home = path.join(root, "home");
    mkdirSync(home);
    const { args } = buildSandboxedCommand("true", [], policy({ hidePaths: [secretInWorkdir, data], writablePaths: [home] }));
    const at = (target: string) => args.lastIndexOf(target);
    expect(at(data)).toBeLessThan(at(workdir));
    expect(args.indexOf(workdir)).toBeLessThan(args.indexOf(secretInWorkdir));
    expect(args.join(" ")).toContain(`--bind ${home} ${home}`);
  });

  it("shows a read-only path inside a hidden directory again (a mirror's objects), after the tmpfs that hides it", () => {
    const objects = path.join(data, "mirrors", "x.git", "objects");
    mkdirSync(objects, { recursive: true });
    const { args } = buildSandboxedCommand("true", [], policy({ readOnlyPaths: [objects] }));
    expect(args.join(" ")).toContain(`--ro-bind ${objects} ${objects}`);
    expect(args.indexOf(data)).toBeLessThan(args.indexOf(objects));
    expect(() => buildSandboxedCommand("true", [], policy({ readOnlyPaths: [workdir] }))).toThrow(/both read-only and writable|both writable and read-only/);
  });

  it("skips hidden and writable paths that do not exist, and resolves links to what they point at", () => {
    const link = path.join(root, "key-link.pem");
    symlinkSync(keyFile, link);
    const { args } = buildSandboxedCommand("true", [], policy({ hidePaths: [path.join(root, "missing"), link], writablePaths: [path.join(root, "no-home")] }));
    expect(args.join(" ")).not.toContain("missing");
    expect(args.join(" ")).not.toContain("no-home");
    expect(args.join(" ")).toContain(`--ro-bind /dev/null ${keyFile}`);
  });

  it("takes limits from the policy over the defaults, and leaves out unlimited ones", () => {
    const { args } = buildSandboxedCommand("true", [], policy({ limits: { memoryBytes: 1000, processes: 10, fileSizeBytes: 2000, cpuSeconds: 30, tmpBytes: 8192 } }));
    const prlimit = args.slice(args.indexOf(PRLIMIT_COMMAND) + 1, args.lastIndexOf("--"));
    expect(prlimit).toEqual(["--data=1000", "--nproc=10", "--fsize=2000", "--cpu=30"]);
    expect(args.join(" ")).toContain("--size 8192 --tmpfs /tmp");
    const unlimited = buildSandboxedCommand("true", [], policy({ limits: { processes: Number.POSITIVE_INFINITY } })).args;
    expect(unlimited.some((arg) => arg.startsWith("--nproc"))).toBe(false);
  });

  it("changes to a directory inside the workdir, and refuses one outside it", () => {
    const sub = path.join(workdir, "pkg");
    mkdirSync(sub);
    expect(buildSandboxedCommand("true", [], policy(), sub).args.join(" ")).toContain(`--chdir ${sub} `);
    expect(() => buildSandboxedCommand("true", [], policy(), root)).toThrow(SandboxPolicyError);
  });

  it("refuses a policy it cannot honour", () => {
    expect(() => buildSandboxedCommand("true", [], policy({ hidePaths: [workdir] }))).toThrow(/both hidden and writable/);
    expect(() => buildSandboxedCommand("true", [], policy({ hidePaths: ["data"] }))).toThrow(/absolute path/);
    expect(() => buildSandboxedCommand("true", [], policy({ hidePaths: ["/"] }))).toThrow(/cannot hide \//);
    expect(() => buildSandboxedCommand("true", [], policy({ workdir: path.join(root, "gone") }))).toThrow(/not an existing directory/);
  });

  it("runs the command as it is with mode off", () => {
    expect(buildSandboxedCommand("bash", ["-c", "ls"], policy({ mode: "off" }))).toEqual({ file: "bash", args: ["-c", "ls"] });
  });
});

describe("resolveSandboxPolicy", () => {
  it("puts the workdir into settings, or asks the factory, and adds what the caller needs", () => {
    const settings = { mode: "bubblewrap" as const, hidePaths: [data], network: "none" as const, limits: {} };
    expect(resolveSandboxPolicy(settings, workdir, { writablePaths: ["/home/x"] })).toEqual({ ...settings, workdir, writablePaths: ["/home/x"], network: "none" });
    const fromFactory = resolveSandboxPolicy((dir) => ({ ...settings, workdir: dir, writablePaths: ["/a"] }), workdir, { writablePaths: ["/b"], network: "host" });
    expect(fromFactory).toEqual({ ...settings, workdir, writablePaths: ["/a", "/b"], network: "host" });
    expect(resolveSandboxPolicy(settings, workdir, { network: "proxy", egressProxySocket: "/tmp/x/proxy.sock" })).toMatchObject({ network: "proxy", egressProxySocket: "/tmp/x/proxy.sock" });
  });
});
