import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderWorkflowTemplate } from "../../src/executors/actions/workflow-template.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { replaceScenarioGitHub, scenarioGitHub, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeGitHubOptions } from "../helpers/github.js";
import { commentPayload as commentPayloadFor } from "../helpers/scenario.js";

/* `/hamster setup actions` on an issue, through the app, against the fake GitHub. */

const PUBLIC_URL = "https://hamster.example.com";
const BRANCH = "hamster/setup-actions";
const WORKFLOW_PATH = ".github/workflows/hamster.yml";

let app: TestApp;
let github: FakeGitHub;

const commentPayload = (body: string, sender?: string, senderType?: string) => commentPayloadFor("https://example.invalid/hello-world.git", body, sender, senderType);

async function comment(body: string, sender?: string, senderType?: string) {
  await app.receive("issue_comment", commentPayload(body, sender, senderType));
  await app.hamster.idle();
}

function setGitHub(overrides: Partial<FakeGitHubOptions>) {
  github = replaceScenarioGitHub(overrides);
}

/** The calls that change something on GitHub, in order, comments aside. */
function writes(): string[] {
  return github.calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens") && !c.path.endsWith("/comments")).map((c) => `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, "")}`);
}

beforeEach(async () => {
  disableNetwork();
  github = scenarioGitHub();
  app = await createTestApp({ serve: false, env: { HAMSTER_PUBLIC_URL: PUBLIC_URL } });
});

afterEach(async () => {
  await app.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("/hamster setup actions", () => {
  it("opens a pull request that adds the workflow, from a new branch off the default branch, and links it", async () => {
    await comment("/hamster setup actions");

    expect(writes()).toEqual([
      "POST /git/refs",
      `PUT /contents/${WORKFLOW_PATH}`,
      "POST /pulls",
    ]);
    expect(github.callsTo("GET", /^\/git\/ref\/heads\/main$/)).toHaveLength(1);
    expect(github.callsTo("POST", /^\/git\/refs$/)[0]!.body).toEqual({ ref: `refs/heads/${BRANCH}`, sha: "0".repeat(40) });

    const put = github.callsTo("PUT", /^\/contents\//)[0]!.body as { message: string; content: string; branch: string };
    expect(put.branch).toBe(BRANCH);
    expect(put.message).toContain(WORKFLOW_PATH);
    expect(Buffer.from(put.content, "base64").toString("utf8")).toBe(renderWorkflowTemplate({ publicUrl: PUBLIC_URL }));

    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({ head: BRANCH, base: "main", title: "Add the Hamster workflow for GitHub Actions runners", draft: false, state: "open" });
    expect(pull.body).toContain("setup section");
    expect(pull.body).toContain("`contents: read`");
    expect(pull.body).toContain("`id-token: write`");
    expect(pull.body).toContain("@Codertocat in #1");

    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain(`@Codertocat I opened https://github.com/Codertocat/Hello-World/pull/${pull.number}`);
  });

  it("answers a second request with the pull request already open", async () => {
    await comment("/hamster setup actions");
    await comment("/hamster setup actions", "writer");

    expect(github.pulls).toHaveLength(1);
    expect(github.callsTo("PUT", /^\/contents\//)).toHaveLength(1);
    expect(github.callsTo("POST", /^\/git\/refs$/)).toHaveLength(1);
    expect(github.comments.at(-1)!.body).toBe(
      `@writer The pull request that adds \`${WORKFLOW_PATH}\` is already open: https://github.com/Codertocat/Hello-World/pull/${github.pulls[0]!.number}. Edit its setup section there, then merge it.`,
    );
  });

  it("starts a branch left without an open pull request over from the default branch", async () => {
    setGitHub({ branches: ["main", "develop", BRANCH] });
    await comment("/hamster setup actions");

    expect(writes()).toEqual(["POST /git/refs", `PATCH /git/refs/heads/${BRANCH}`, `PUT /contents/${WORKFLOW_PATH}`, "POST /pulls"]);
    expect(github.callsTo("PATCH", /^\/git\/refs\//)[0]!.body).toEqual({ sha: "0".repeat(40), force: true });
    expect(github.pulls).toHaveLength(1);
  });

  it("leaves a workflow the repository has already alone", async () => {
    setGitHub({ files: { [WORKFLOW_PATH]: "name: Hamster\n" } });
    await comment("/hamster setup actions");

    expect(writes()).toEqual([]);
    expect(github.comments[0]!.body).toContain("already has `.github/workflows/hamster.yml` on `main`");
  });

  it.each([403, 404])("replies with the file to commit when GitHub refuses it (%i: no Workflows permission)", async (status) => {
    setGitHub({ failures: { "PUT /contents": status } });
    await comment("/hamster setup actions");

    expect(github.pulls).toEqual([]);
    // The branch made for the file does not stay behind.
    expect(github.deletedRefs).toEqual([`heads/${BRANCH}`]);
    expect(github.comments).toHaveLength(1);
    const reply = github.comments[0]!.body;
    expect(reply).toContain("needs the optional **Workflows** permission");
    expect(reply).toContain(`commit this file yourself as \`${WORKFLOW_PATH}\``);
    expect(reply).toContain(`\`\`\`yaml\n${renderWorkflowTemplate({ publicUrl: PUBLIC_URL })}\`\`\``);
  });

  it("refuses someone without write access, as for /deliver, and writes nothing", async () => {
    await comment("/hamster setup actions", "reader");

    expect(writes()).toEqual([]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("@reader Only people with write access to this repository can start Hamster runs (your access: read)");
  });

  it("ignores bots", async () => {
    await comment("/hamster setup actions", "some-app[bot]", "Bot");

    expect(github.calls.filter((c) => !c.path.endsWith("/access_tokens"))).toEqual([]);
  });

  it("says so when the app's public URL is one GitHub's runners cannot reach", async () => {
    await app.close();
    app = await createTestApp({ serve: false, env: { HAMSTER_PUBLIC_URL: "", PORT: "3456" } });
    await comment("/hamster setup actions");

    expect(writes()).toEqual([]);
    expect(github.comments[0]!.body).toContain("its public URL is http://localhost:3456, an address on the app's own machine");
    expect(github.comments[0]!.body).toContain("`HAMSTER_PUBLIC_URL`");
  });

  it("explains what it sets up when the command is wrong", async () => {
    await comment("/hamster setup runners");

    expect(writes()).toEqual([]);
    expect(github.comments[0]!.body).toContain('unknown target "runners" of `/hamster setup`; the choices are `actions`');
    expect(github.comments[0]!.body).toContain("`/hamster setup actions`");
  });
});
