import nock from "nock";
import { createFakeActions, type FakeActions as FakeActionsCore, type FakeJob } from "../../bench/lib/fake-actions.js";
import type { OidcIssuer } from "./oidc-issuer.js";

export type { FakeJob } from "../../bench/lib/fake-actions.js";

/**
 * The fake GitHub Actions of bench/lib/fake-actions.ts for one repository, behind nock on
 * the REST API: dispatches start jobs that clone the repository, read its workflow and run
 * its `run:` steps with bash; completed jobs send `workflow_run` webhooks to the app.
 */
export interface FakeActionsOptions {
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly installationId: number;
  /** The repository as actions/checkout clones it. */
  readonly remoteUrl: string;
  readonly issuer: OidcIssuer;
  /** Delivers a webhook to the app. */
  receive(name: string, payload: object): Promise<void>;
  readonly baseUrl?: string;
  /** Jobs that run at once; the rest wait for a runner. Default 4; 0: no runner has the label. */
  readonly runners?: number;
  /** false: a GHES that rejects `return_run_details` with 422. Default true. */
  readonly returnRunDetails?: boolean;
  /** Changes the claims of a job's OIDC tokens (another repository, workflow, run…). */
  claimsFor?(job: FakeJob): Record<string, unknown>;
  /** Variables every job's steps get besides GitHub's. */
  readonly env?: Record<string, string>;
}

export type FakeActions = Pick<FakeActionsCore, "jobs" | "dispatches" | "cancelRequests" | "kill" | "cancel" | "close"> & {
  /** Waits until every job dispatched so far has completed (bounded). */
  idle(): Promise<void>;
};

export function fakeActions(options: FakeActionsOptions): FakeActions {
  const baseUrl = new URL(options.baseUrl ?? "https://api.github.com");
  const prefix = baseUrl.pathname.replace(/\/$/, "");
  const repository = `${options.owner}/${options.repo}`;
  const repoPath = `${prefix}/repos/${repository}`;
  const actions = createFakeActions({
    repos: [{ owner: options.owner, repo: options.repo, repoId: options.repoId, installationId: options.installationId, remoteUrl: options.remoteUrl }],
    issuer: options.issuer,
    receive: options.receive,
    apiBaseUrl: `${baseUrl.origin}${prefix}`,
    htmlOrigin: prefix === "" ? "https://github.com" : baseUrl.origin,
    ...(options.runners !== undefined ? { runners: options.runners } : {}),
    ...(options.returnRunDetails !== undefined ? { returnRunDetails: options.returnRunDetails } : {}),
    ...(options.claimsFor ? { claimsFor: options.claimsFor } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const scope = nock(baseUrl.origin).persist();
  const answer = ({ status, body }: { status: number; body?: unknown }): [number, string | Record<string, unknown>] => [status, (body ?? "") as Record<string, unknown>];
  const segment = (path: string, fromEnd: number) => decodeURIComponent(path.split("?")[0]!.split("/").at(-fromEnd)!);

  scope
    .post(new RegExp(`^${repoPath}/actions/workflows/[^/]+/dispatches$`))
    .reply((path, body) => answer(actions.dispatch(repository, segment(path, 2), body)));
  scope.get(new RegExp(`^${repoPath}/actions/workflows/[^/]+/runs`)).reply((path) => answer(actions.listRuns(repository, segment(path, 2))));
  scope.get(new RegExp(`^${repoPath}/actions/runs/\\d+$`)).reply((path) => answer(actions.getRun(repository, Number(segment(path, 1)))));
  scope.post(new RegExp(`^${repoPath}/actions/runs/\\d+/cancel$`)).reply((path) => answer(actions.cancelRun(repository, Number(segment(path, 2)))));

  return {
    jobs: actions.jobs,
    dispatches: actions.dispatches,
    cancelRequests: actions.cancelRequests,
    kill: actions.kill,
    cancel: actions.cancel,
    idle: () => actions.idle(),
    async close() {
      await actions.close();
      scope.persist(false);
    },
  };
}
