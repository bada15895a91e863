import { access, chmod, constants, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, delimiter, dirname, join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commitToRemote, getRemoteLog, getRemoteSha, readRemoteFile } from "../helpers/git.js";
import { startGitHttpServer } from "../helpers/git-http-server.js";
import type { GitHttpServer } from "../helpers/git-http-server.js";
import { commitAll, pushBranch, WorkspaceError } from "../../src/workspace/workspace.js";
import { APP_AUTHOR, CHECKOUT_MODES, createCheckoutFixture, readAllFiles, START_MESSAGE, WORK_BRANCH } from "./checkout-fixture.js";
import type { CheckoutFixture } from "./checkout-fixture.js";

const TOKEN = "ghs_TestToken0123456789abcdefABCDEF";
const EXPECTED_HEADER = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
/** Every form in which the token could leak. */
const TOKEN_FORMS = [TOKEN, Buffer.from(TOKEN).toString("base64"), EXPECTED_HEADER.slice("Basic ".length)];

function leaks(text: string | Buffer): string[] {
  return TOKEN_FORMS.filter((form) => text.includes(form));
}

describe.each(CHECKOUT_MODES)("workspace over smart HTTP with a token (%s)", (mode) => {
  let fixture: CheckoutFixture;
  let server: GitHttpServer;
  let url: string;

  beforeEach(async () => {
    fixture = await createCheckoutFixture({ mode });
    server = await startGitHttpServer({ root: dirname(fixture.remote.dir), requireToken: TOKEN });
    url = server.url(basename(fixture.remote.dir));
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
    await fixture.remote.cleanup();
  });

  /** Files of the checkout's .git and of the mirror, if any, that contain the token in some form. */
  async function findLeakingFiles(dir: string): Promise<string[]> {
    const files = [...(await readAllFiles(join(dir, ".git"))), ...(fixture.mirrorsDir === undefined ? [] : await readAllFiles(fixture.mirrorsDir))];
    return files.filter((file) => leaks(file.content).length > 0).map((file) => file.path);
  }

  it("clones and pushes with the token sent as a header, leaving it nowhere in .git", async () => {
    const { dir, prepared } = await fixture.prepare({ remoteUrl: url, token: TOKEN });
    await writeFile(join(dir, "hello.txt"), "hello\n");
    const commit = await commitAll(dir, "Say hello", APP_AUTHOR);
    await pushBranch({ dir, remoteUrl: url, token: TOKEN, workBranch: WORK_BRANCH });

    expect(prepared.branchCreated).toBe(true);
    expect(await getRemoteLog(fixture.remote.dir, WORK_BRANCH)).toEqual(["Say hello", START_MESSAGE, "Initial commit"]);
    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(commit!.sha);
    expect(await readRemoteFile(fixture.remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");

    expect(server.unauthorizedCount).toBe(0);
    expect(server.authHeadersSeen.length).toBeGreaterThan(0);
    expect(new Set(server.authHeadersSeen)).toEqual(new Set([EXPECTED_HEADER]));

    const files = await readAllFiles(join(dir, ".git"));
    expect(files.map((file) => file.path)).toContain(join(dir, ".git", "config"));
    expect(await findLeakingFiles(dir)).toEqual([]);
    expect(await readFile(join(dir, ".git", "config"), "utf8")).toContain(`url = ${url}`);
  });

  it("keeps the token out of every git command line and disables hooks and fsmonitor in each", async () => {
    const { gitWrapperDir, logFile } = await createLoggingGit(dirname(fixture.remote.dir));
    vi.stubEnv("PATH", `${gitWrapperDir}${delimiter}${process.env.PATH ?? ""}`);

    const { dir } = await fixture.prepare({ remoteUrl: url, token: TOKEN });
    await writeFile(join(dir, "hello.txt"), "hello\n");
    await commitAll(dir, "Say hello", APP_AUTHOR);
    await pushBranch({ dir, remoteUrl: url, token: TOKEN, workBranch: WORK_BRANCH });

    const invocations = (await readFile(logFile, "utf8")).split("\n").filter((line) => line !== "");
    const commands = invocations.map((line) => line.split("\x1f"));
    expect(commands.some((args) => args.includes("clone"))).toBe(true);
    expect(commands.some((args) => args.includes("push"))).toBe(true);
    expect(leaks(invocations.join("\n"))).toEqual([]);
    for (const args of commands) {
      expect(args.slice(0, 4)).toEqual(["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"]);
    }
  });

  it("reuses an existing work branch over HTTP", async () => {
    await fixture.prepare({ remoteUrl: url, token: TOKEN });
    const { dir, prepared } = await fixture.prepare({ remoteUrl: url, token: TOKEN });

    expect(prepared.branchCreated).toBe(false);
    expect(prepared.headSha).toBe(await getRemoteSha(fixture.remote.dir, WORK_BRANCH));
    expect(await findLeakingFiles(dir)).toEqual([]);
  });

  it("says push_rejected without revealing the token when the branch moved on", async () => {
    const { dir } = await fixture.prepare({ remoteUrl: url, token: TOKEN });
    const theirs = await commitToRemote(fixture.remote.dir, WORK_BRANCH, { "theirs.txt": "theirs\n" }, "Someone else's work");
    await writeFile(join(dir, "mine.txt"), "mine\n");
    await commitAll(dir, "My work", APP_AUTHOR);

    const error = await pushBranch({ dir, remoteUrl: url, token: TOKEN, workBranch: WORK_BRANCH }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WorkspaceError);
    expect(error).toMatchObject({ code: "push_rejected", message: expect.stringContaining("fetch first") });
    expect(leaks(inspect(error, { depth: 10 }))).toEqual([]);
    expect(leaks(JSON.stringify(error))).toEqual([]);
    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(theirs);
  });

  it("redacts the token from what the server says on a declined push", async () => {
    const { dir } = await fixture.prepare({ remoteUrl: url, token: TOKEN });
    // A server that reflects the credentials it got back into its messages.
    const hook = join(fixture.remote.dir, "hooks", "pre-receive");
    await writeFile(hook, `#!/bin/sh\necho "denied for ${TOKEN} (${EXPECTED_HEADER})" >&2\nexit 1\n`);
    await chmod(hook, 0o755);
    await writeFile(join(dir, "mine.txt"), "mine\n");
    await commitAll(dir, "My work", APP_AUTHOR);

    const error = (await pushBranch({ dir, remoteUrl: url, token: TOKEN, workBranch: WORK_BRANCH }).catch((caught: unknown) => caught)) as WorkspaceError;

    expect(error).toMatchObject({ code: "push_rejected" });
    // The server's words survive, the token does not.
    expect(error.gitOutput).toContain("denied for *** (Basic ***)");
    expect(leaks(inspect(error, { depth: 10 }))).toEqual([]);
  });

  it("fails with clone_failed and says why when no token is given", async () => {
    const dir = fixture.checkoutPath();
    const error = await fixture.prepare({ dir, remoteUrl: url }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WorkspaceError);
    expect(error).toMatchObject({ code: "clone_failed" });
    expect((error as Error).message).toMatch(/requires authentication but no access token was available/);
    expect(server.unauthorizedCount).toBeGreaterThan(0);
    await expect(stat(dir)).rejects.toThrow();
  });

  it("fails with clone_failed when the token is refused, without revealing it", async () => {
    const wrong = "ghs_WrongToken9876543210";
    const error = await fixture.prepare({ remoteUrl: url, token: wrong }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: "clone_failed", message: expect.stringContaining("refused the installation token") });
    expect(inspect(error, { depth: 10 })).not.toContain(wrong);
    expect(server.authHeadersSeen).toContain(`Basic ${Buffer.from(`x-access-token:${wrong}`).toString("base64")}`);
  });
});

/** A `git` first on PATH that logs each argv (fields joined by U+001F) and runs the real git. */
async function createLoggingGit(root: string): Promise<{ gitWrapperDir: string; logFile: string }> {
  const realGit = await findOnPath("git");
  const gitWrapperDir = join(root, "wrapper-bin");
  const logFile = join(root, "git-argv.log");
  await mkdir(gitWrapperDir);
  const script = join(gitWrapperDir, "git");
  await writeFile(script, `#!/bin/sh\nfor arg in "$@"; do printf '%s\\037' "$arg"; done >> "${logFile}"\necho >> "${logFile}"\nexec "${realGit}" "$@"\n`);
  await chmod(script, 0o755);
  return { gitWrapperDir, logFile };
}

async function findOnPath(command: string): Promise<string> {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(directory, command);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error(`${command} is not on PATH`);
}
