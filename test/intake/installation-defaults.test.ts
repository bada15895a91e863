import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstallationDefaults } from "../../src/domain/installation-defaults.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createInstallationDefaultsStore } from "../../src/store/installation-defaults-store.js";
import { apiError, mockAnthropic } from "../helpers/anthropic.js";
import { replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { BareRemote } from "../helpers/git.js";
import type { TestApp } from "../helpers/app.js";
import { commentPayload as commentPayloadFor, labeledPayload as labeledPayloadFor, REPO_ID } from "../helpers/scenario.js";

/* An installation's defaults at admission: after the command, the user's preferences and .github/hamster.yml, before the app's own. */

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;
let db: SqliteDatabase;

const OPUS = "claude-opus-5-5";
const runRows = () => app.hamster.runs.listRunsForTask(REPO_ID, 1);

/** The admins' settings, as the console saves them (a second connection to the app's database). */
function saveDefaults(defaults: InstallationDefaults): void {
  createInstallationDefaultsStore(db).setDefaults(1, defaults, "octocat");
}

/** Each run ends at its first model call: these tests are about what admission decided. */
function failFirstModelCall() {
  return mockAnthropic([{ status: 400, body: apiError("invalid_request_error", "stop here"), headers: { "x-should-retry": "false" } }]);
}

async function trigger(name: "issues" | "issue_comment", payload: object): Promise<void> {
  await app.receive(name, payload);
  await app.hamster.idle();
}

beforeEach(async () => {
  ({ remote, github, app } = await startE2eScenario());
  db = openDatabase(app.dataDir);
});

afterEach(async () => {
  db.close();
  await stopE2eScenario(app, remote);
});

describe("installation defaults at admission", () => {
  it("give the model, executor and budgets a repository says nothing about, and say so", async () => {
    saveDefaults({ model: OPUS, executor: "process", budgets: { turns: 7, costUsd: 2, minutes: 30 } });
    const model = failFirstModelCall();
    await trigger("issues", labeledPayloadFor(remote.url));

    const [run] = runRows();
    expect(run!.request.model).toBe(OPUS);
    expect(run!.request.settings).toMatchObject({ executor: "process", budgets: { turns: 7, costUsd: 2, minutes: 30 } });
    expect(run!.request.parameterSources).toEqual({
      branch: "default",
      target: "default",
      agent: "default",
      model: "installation",
      executor: "installation",
      budgets: { turns: "installation", costUsd: "installation", minutes: "installation" },
    });
    // The run used them: its model call asked for the installation's model.
    expect(model.requests[0].model).toBe(OPUS);
    const status = github.comments.find((c) => c.body.includes(`hamster:status run=${run!.id}`))!;
    expect(status.body).toContain(`model \`${OPUS}\` (installation defaults)`);
  });

  it("give way, key by key, to the command, the user's preferences and .github/hamster.yml", async () => {
    saveDefaults({ agent: "claude", model: OPUS, executor: "process", budgets: { turns: 7, costUsd: 2 } });
    github = replaceScenarioGitHub({ files: { ".github/hamster.yml": "model: claude-haiku-5-5\nbudgets:\n  turns: 9\n" } });
    await trigger("issue_comment", commentPayloadFor(remote.url, "/hamster prefs agent=claude"));
    failFirstModelCall();
    await trigger("issue_comment", commentPayloadFor(remote.url, "/deliver executor=local"));

    const [run] = runRows();
    expect(run!.request).toMatchObject({ agent: "claude", model: "claude-haiku-5-5" });
    expect(run!.request.settings).toMatchObject({ executor: "local", budgets: { turns: 9, costUsd: 2 } });
    expect(run!.request.parameterSources).toMatchObject({
      agent: "preferences",
      model: "repository",
      executor: "command",
      budgets: { turns: "repository", costUsd: "installation" },
    });
  });

  it("leave the app's defaults in place when none are saved", async () => {
    failFirstModelCall();
    await trigger("issues", labeledPayloadFor(remote.url));

    const [run] = runRows();
    expect(run!.request.model).toBe(app.settings.defaultModel);
    expect(run!.request.settings!.executor).toBeUndefined();
    expect(run!.request.settings!.budgets).toEqual({});
    expect(run!.request.parameterSources).toEqual({ branch: "default", target: "default", agent: "default", model: "default", budgets: {} });
  });

  it("answer with the settings page when their agent is one the app no longer has", async () => {
    saveDefaults({ agent: "retired-agent", budgets: {} });
    await trigger("issues", labeledPayloadFor(remote.url));

    expect(runRows()).toEqual([]);
    const reply = github.comments.at(-1)!.body;
    expect(reply).toContain("this installation's defaults have a problem");
    expect(reply).toContain("`agent: retired-agent` is not an agent Hamster knows");
    expect(reply).toContain(`${app.settings.publicUrl}/hamster/installations/1/settings`);
  });
});
