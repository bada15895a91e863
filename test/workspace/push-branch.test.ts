import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitToRemote, getRemoteLog, getRemoteSha, readRemoteFile } from "../helpers/git.js";
import { parsePushRejection, parseRemoteMessages } from "../../src/workspace/push-branch.js";
import { commitAll, pushBranch, WorkspaceError } from "../../src/workspace/workspace.js";
import { APP_AUTHOR, createCheckoutFixture, START_MESSAGE, WORK_BRANCH } from "./checkout-fixture.js";
import type { CheckoutFixture } from "./checkout-fixture.js";

let fixture: CheckoutFixture;
let dir: string;

beforeEach(async () => {
  fixture = await createCheckoutFixture();
  dir = (await fixture.prepare()).dir;
});

afterEach(async () => {
  await fixture.remote.cleanup();
});

describe("pushBranch", () => {
  it("pushes HEAD to the work branch", async () => {
    await writeFile(join(dir, "hello.txt"), "hello\n");
    const commit = await commitAll(dir, "Say hello", APP_AUTHOR);

    await pushBranch({ dir, remoteUrl: fixture.remote.url, workBranch: WORK_BRANCH });

    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(commit!.sha);
    expect(await readRemoteFile(fixture.remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
  });

  it("fails with push_rejected when the remote branch moved on, and never forces", async () => {
    const theirs = await commitToRemote(fixture.remote.dir, WORK_BRANCH, { "theirs.txt": "theirs\n" }, "Someone else's work");
    await writeFile(join(dir, "mine.txt"), "mine\n");
    await commitAll(dir, "My work", APP_AUTHOR);

    const error = await pushBranch({ dir, remoteUrl: fixture.remote.url, workBranch: WORK_BRANCH }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WorkspaceError);
    expect(error).toMatchObject({ code: "push_rejected", branch: WORK_BRANCH, message: expect.stringMatching(/was rejected \(fetch first\)\. .*never force-pushes/) });
    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(theirs);
    expect(await getRemoteLog(fixture.remote.dir, WORK_BRANCH)).toEqual(["Someone else's work", START_MESSAGE, "Initial commit"]);
  });

  it("reports a hook that declines the push as push_rejected with the server's reason", async () => {
    const hook = join(fixture.remote.dir, "hooks", "pre-receive");
    await writeFile(hook, '#!/bin/sh\necho "branch is protected" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    await writeFile(join(dir, "mine.txt"), "mine\n");
    await commitAll(dir, "My work", APP_AUTHOR);

    const error = await pushBranch({ dir, remoteUrl: fixture.remote.url, workBranch: WORK_BRANCH }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      code: "push_rejected",
      message: expect.stringContaining("rejected (pre-receive hook declined); the server said: branch is protected."),
    });
    expect((error as WorkspaceError).gitOutput).toContain("branch is protected");
  });

  it("does not run a pre-push hook planted in the checkout", async () => {
    const markers = join(dirname(dir), "markers");
    await mkdir(markers);
    const hook = join(dir, ".git/hooks/pre-push");
    await writeFile(hook, `#!/bin/sh\ntouch "${markers}/pre-push"\nexit 1\n`);
    await chmod(hook, 0o755);
    await writeFile(join(dir, "hello.txt"), "hello\n");
    const commit = await commitAll(dir, "Say hello", APP_AUTHOR);

    await pushBranch({ dir, remoteUrl: fixture.remote.url, workBranch: WORK_BRANCH });

    expect(await readdir(markers)).toEqual([]);
    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(commit!.sha);
  });

  it("pushes to the URL it is given, not to the checkout's origin", async () => {
    const other = await createCheckoutFixture();
    try {
      await writeFile(join(dir, "hello.txt"), "hello\n");
      const commit = await commitAll(dir, "Say hello", APP_AUTHOR);

      await pushBranch({ dir, remoteUrl: other.remote.url, workBranch: WORK_BRANCH });

      expect(await getRemoteSha(other.remote.dir, WORK_BRANCH)).toBe(commit!.sha);
      expect(await getRemoteLog(fixture.remote.dir, WORK_BRANCH)).toEqual([START_MESSAGE, "Initial commit"]);
    } finally {
      await other.remote.cleanup();
    }
  });

  it("refuses a branch name git would read as an option", async () => {
    await expect(pushBranch({ dir, remoteUrl: fixture.remote.url, workBranch: "--force" })).rejects.toMatchObject({ code: "git_failed" });
  });
});

describe("parsePushRejection", () => {
  it("reads the reason of the refused ref from porcelain output", () => {
    const porcelain = "To file:///r.git\n!\tHEAD:refs/heads/x\t[rejected] (fetch first)\nDone\n";
    expect(parsePushRejection(porcelain)).toBe("fetch first");
    expect(parsePushRejection("!\tHEAD:refs/heads/x\t[remote rejected] (protected branch hook declined)\n")).toBe("protected branch hook declined");
    expect(parsePushRejection("!\tHEAD:refs/heads/x\t[remote failure]\n")).toBe("remote failure");
    expect(parsePushRejection("To file:///r.git\n*\tHEAD:refs/heads/x\t[new branch]\nDone\n")).toBeNull();
  });
});

describe("parseRemoteMessages", () => {
  it("keeps only what the server printed", () => {
    const stderr = "remote: protected branch        \nremote: \nremote: ask an admin\nerror: failed to push some refs to 'x'\n";
    expect(parseRemoteMessages(stderr)).toBe("protected branch / ask an admin");
    expect(parseRemoteMessages("error: failed to push\n")).toBe("");
  });
});
