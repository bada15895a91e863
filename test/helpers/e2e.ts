import nock from "nock";
import type { ExecutorName } from "../../src/domain/executor-name.js";
import { createTestApp, disableNetwork, type TestApp } from "./app.js";
import { fakeGitHub, type FakeGitHubOptions, type FakeGitHubState } from "./github.js";
import { createBareRemote, type BareRemote } from "./git.js";
import { OWNER, REPO } from "./scenario.js";

/**
 * The scaffolding of the end-to-end tests: before each test, no network but loopback, a bare
 * remote, the scenario's fake GitHub and the app; after each, all of it gone again.
 *
 *   describe.each(EXECUTORS)("executor: %s", (executor) => {
 *     beforeEach(async () => ({ remote, github, app } = await startE2eScenario({ executor })));
 *     afterEach(() => stopE2eScenario(app, remote));
 *     ...the tests, which pass `executor` to any app they start themselves
 *   });
 */

/**
 * Every end-to-end test runs once per executor: the same behaviour whether a run's stages
 * execute in the app's process or in a runner process over the runner protocol.
 */
export const EXECUTORS = ["local", "process"] as const satisfies readonly ExecutorName[];

export type FakeGitHub = ReturnType<typeof fakeGitHub>;

export interface E2eScenario {
  readonly remote: BareRemote;
  readonly github: FakeGitHub;
  readonly app: TestApp;
}

/** The scenario's repository on installation 1, with main and develop; Codertocat an admin, `writer` and `reader` collaborators. */
export function scenarioGitHub(overrides: Partial<FakeGitHubOptions> = {}, previous?: FakeGitHubState): FakeGitHub {
  return fakeGitHub(
    {
      owner: OWNER,
      repo: REPO,
      installationId: 1,
      roles: { Codertocat: "admin", writer: "write", reader: "read" },
      branches: ["main", "develop"],
      ...overrides,
    },
    previous,
  );
}

/**
 * Replaces the fake GitHub of beforeEach (nock would otherwise answer from the first one);
 * `previous`: the state of the fake to carry on with.
 */
export function replaceScenarioGitHub(overrides: Partial<FakeGitHubOptions> = {}, previous?: FakeGitHubState): FakeGitHub {
  nock.cleanAll();
  disableNetwork();
  return scenarioGitHub(overrides, previous);
}

/** For beforeEach: the network shut but for loopback, a bare remote, the fake GitHub, the app. */
export async function startE2eScenario(options: { executor?: ExecutorName } = {}): Promise<E2eScenario> {
  disableNetwork();
  const remote = await createBareRemote();
  const github = scenarioGitHub();
  const app = await createTestApp(options);
  return { remote, github, app };
}

/** For afterEach: closes the app, removes the remote, drops the fake GitHub and opens the network again. */
export async function stopE2eScenario(app: TestApp, remote: BareRemote): Promise<void> {
  await app.close();
  await remote.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
}
