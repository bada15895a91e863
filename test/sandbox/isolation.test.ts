import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY, createLayout, requireBubblewrap, runSandboxed, type Layout } from "./sandbox-fixture.js";

/* What a sandboxed command can reach: no secret of the app, in its environment, its /proc, its files or its network. */

let layout: Layout;
let server: Server;
let port: number;
const previousCanary = process.env["HAMSTER_CANARY_SECRET"];

beforeAll(async () => {
  await requireBubblewrap();
  process.env["HAMSTER_CANARY_SECRET"] = CANARY;
  layout = createLayout();
  server = createServer((_request, response) => response.end(`server-${CANARY}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  if (previousCanary === undefined) delete process.env["HAMSTER_CANARY_SECRET"];
  else process.env["HAMSTER_CANARY_SECRET"] = previousCanary;
  layout?.cleanup();
  await new Promise((resolve) => server?.close(resolve));
});

describe("a sandboxed command's environment and processes", () => {
  it("has no variable of the app, in env or in /proc/self/environ", async () => {
    const result = await runSandboxed(layout, "env; echo ---; tr '\\0' '\\n' < /proc/self/environ");
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toContain("PATH=");
    expect(result.output).toContain(`HOME=${layout.home}`);
    expect(result.output).not.toContain(CANARY);
    expect(result.output).not.toContain("HAMSTER_CANARY_SECRET");
  });

  it("sees only the sandbox's own processes in /proc, so the app's environ is out of reach", async () => {
    const result = await runSandboxed(
      layout,
      [
        "for p in /proc/[0-9]*; do echo \"pid ${p#/proc/} $(tr '\\0' ' ' < $p/cmdline)\"; done",
        "echo ---; tr '\\0' '\\n' < /proc/1/environ",
        `echo ---; cat /proc/${process.pid}/environ 2>&1 | tr '\\0' '\\n'; echo "app-environ-exit=$?"`,
      ].join("\n"),
    );
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    const pids = [...result.output.matchAll(/^pid (\d+) /gm)].map((match) => Number(match[1]));
    // bwrap's init (1), the shell, and the loop's own subshells: a handful, numbered from 1.
    expect(pids).toContain(1);
    expect(pids.length).toBeLessThan(10);
    expect(Math.max(...pids)).toBeLessThan(100);
    expect(result.output).not.toMatch(/vitest|node /);
    expect(result.output).not.toContain(CANARY);
  });
});

describe("a sandboxed command's file system", () => {
  it("cannot read the hidden data directory, app directory or key file, but works in its checkout inside the data directory", async () => {
    const result = await runSandboxed(
      layout,
      [
        `cat ${layout.dataDir}/canary; echo "data-canary-exit=$?"`,
        `ls -A ${layout.dataDir}`,
        `cat ${layout.appDir}/.env; echo "env-exit=$?"`,
        `cat ${layout.keyFile}; echo "key-exit=$?"`,
        `echo work > result.txt && cat result.txt`,
        "pwd",
      ].join("\n"),
    );
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).not.toContain(CANARY);
    expect(result.output).toMatch(/data-canary-exit=1/);
    expect(result.output).toMatch(/env-exit=1/);
    expect(result.output).toMatch(/key-exit=1/);
    // Only the path down to the workdir is left in the data directory.
    expect(result.output).toMatch(/^workspaces$/m);
    expect(result.output).toMatch(/^work$/m);
    expect(result.output).toContain(`\n${layout.workdir}\n`);
    expect(readFileSync(path.join(layout.workdir, "result.txt"), "utf8")).toBe("work\n");
    // Hiding does not touch the host's files.
    expect(readFileSync(path.join(layout.dataDir, "canary"), "utf8")).toContain(CANARY);
  });

  it("cannot write outside the workdir, HOME and its own /tmp; /tmp is private", async () => {
    const hostFile = `/tmp/hamster-sandbox-host-${CANARY}`;
    const sandboxFile = `/tmp/hamster-sandbox-inside-${CANARY}`;
    writeFileSync(hostFile, "host");
    const result = await runSandboxed(
      layout,
      [
        `touch ${layout.outside}/x; echo "outside-exit=$?"`,
        `touch ${layout.dataDir}/x; echo "data-exit=$?"`,
        `touch /etc/hamster-x; echo "etc-exit=$?"`,
        `touch ${sandboxFile} && echo tmp-ok`,
        `touch "$HOME/x" && echo home-ok`,
        `ls ${hostFile}; echo "host-tmp-exit=$?"`,
        `mount -o remount,rw / 2>/dev/null; touch /etc/hamster-x; echo "remount-exit=$?"`,
        `umount ${layout.dataDir} 2>/dev/null; cat ${layout.dataDir}/canary 2>/dev/null; echo "umount-exit=$?"`,
      ].join("\n"),
    );
    rmSync(hostFile, { force: true });
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toMatch(/outside-exit=1/);
    expect(result.output).toMatch(/data-exit=1/);
    expect(result.output).toMatch(/etc-exit=1/);
    expect(result.output).toMatch(/Read-only file system/);
    expect(result.output).toContain("tmp-ok");
    expect(result.output).toContain("home-ok");
    expect(result.output).toMatch(/host-tmp-exit=2/);
    expect(result.output).toMatch(/remount-exit=1/);
    expect(result.output).toMatch(/umount-exit=1/);
    expect(result.output).not.toContain(`data-${CANARY}`);
    expect(existsSync(path.join(layout.outside, "x"))).toBe(false);
    expect(existsSync("/etc/hamster-x")).toBe(false);
    expect(existsSync(sandboxFile)).toBe(false);
    expect(existsSync(path.join(layout.home, "x"))).toBe(true);
  });

  it("lets git in a `clone --shared` checkout use the objects of its mirror in the hidden data directory, read-only, when the policy shows them", async () => {
    const mirror = path.join(layout.dataDir, "mirrors", "repo.git");
    const seed = path.join(layout.root, "seed");
    const checkout = path.join(layout.dataDir, "workspaces", "run-2");
    const git = (...args: string[]) => execFileSync("git", args, { stdio: "pipe" });
    git("init", "-q", "-b", "main", seed);
    writeFileSync(path.join(seed, "a.txt"), "from the mirror\n");
    git("-C", seed, "add", "a.txt");
    git("-C", seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "seed");
    git("clone", "-q", "--bare", seed, mirror);
    git("clone", "-q", "--shared", mirror, checkout);
    const script = "git log --oneline | wc -l; git show HEAD:a.txt; echo b > b.txt && git add b.txt && git -c user.name=t -c user.email=t@t commit -qm two && echo committed; touch " + mirror + "/objects/x; echo \"mirror-write=$?\"";
    const objects = path.join(mirror, "objects");

    const shown = await runSandboxed(layout, script, { cwd: checkout, policy: { workdir: checkout, readOnlyPaths: [objects] } });
    expect(shown).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(shown.output).toMatch(/^1\nfrom the mirror\n[\s\S]*committed/);
    expect(shown.output).toMatch(/mirror-write=1/);

    const hidden = await runSandboxed(layout, "git show HEAD:a.txt", { cwd: checkout, policy: { workdir: checkout } });
    expect(hidden.exitCode).not.toBe(0);
  });

  it("runs git in the checkout", async () => {
    const result = await runSandboxed(
      layout,
      "git init -q repo && cd repo && echo a > a && git add a && git -c user.name=t -c user.email=t@t commit -qm one && git log --oneline | wc -l",
    );
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output.trim()).toBe("1");
  });
});

describe("a sandboxed command's network", () => {
  const fetchScript = (p: number) =>
    `node -e 'fetch("http://127.0.0.1:${p}/").then(r => r.text()).then(t => console.log("got", t), e => { console.log("fetch failed", e.cause?.code ?? e.message); process.exit(3) })'`;

  it("cannot reach a server on the host's loopback with network none", async () => {
    const result = await runSandboxed(layout, fetchScript(port));
    expect(result).toMatchObject({ ending: "exited", exitCode: 3 });
    expect(result.output).toMatch(/fetch failed ECONNREFUSED/);
    expect(result.output).not.toContain(CANARY);
  });

  it("reaches it with network host (so the test above proves something)", async () => {
    const result = await runSandboxed(layout, fetchScript(port), { policy: { network: "host" } });
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toContain(`got server-${CANARY}`);
  });
});
