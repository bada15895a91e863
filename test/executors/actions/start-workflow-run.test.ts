import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DispatchRefused, startWorkflowRun } from "../../../src/executors/actions/start-workflow-run.js";
import type { GitHubClient } from "../../../src/github/client.js";
import { disableNetwork, TestOctokit } from "../../helpers/app.js";

const API = "https://api.github.com";
const REPO_PATH = "/repos/octo/app";
const DISPATCH = `${REPO_PATH}/actions/workflows/hamster.yml/dispatches`;
const TARGET = { repo: { owner: "octo", repo: "app" }, workflowPath: ".github/workflows/hamster.yml", ref: "main" };
const ATTEMPT = { runId: 42, attempt: 2, timeoutMinutes: 61 };
const noSleep = { sleep: async () => undefined, findTries: 3 };

const octokit = () => new TestOctokit() as GitHubClient;

describe("startWorkflowRun", () => {
  beforeEach(disableNetwork);
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("dispatches with the attempt's identifiers only and takes the run GitHub names", async () => {
    let body: unknown;
    nock(API)
      .post(DISPATCH, (sent) => ((body = sent), true))
      .reply(200, { workflow_run_id: 9001, run_url: `${API}${REPO_PATH}/actions/runs/9001`, html_url: "https://github.com/octo/app/actions/runs/9001" });
    await expect(startWorkflowRun(octokit(), TARGET, ATTEMPT, noSleep)).resolves.toEqual({
      workflowRunId: 9001,
      htmlUrl: "https://github.com/octo/app/actions/runs/9001",
    });
    expect(body).toEqual({ ref: "main", inputs: { hamster_run: "42", hamster_attempt: "2", timeout_minutes: "61" }, return_run_details: true });
  });

  it("dispatches again without return_run_details where GitHub rejects it, and finds the run by its name", async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post(DISPATCH, (sent) => (bodies.push(sent), true))
      .reply(422, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' })
      .post(DISPATCH, (sent) => (bodies.push(sent), true))
      .reply(204)
      .get(`${REPO_PATH}/actions/workflows/hamster.yml/runs`)
      .query({ event: "workflow_dispatch", branch: "main", per_page: "50" })
      .reply(200, { total_count: 0, workflow_runs: [] })
      .get(`${REPO_PATH}/actions/workflows/hamster.yml/runs`)
      .query(true)
      .reply(200, {
        total_count: 2,
        workflow_runs: [
          { id: 11, display_title: "Hamster run 42 attempt 1", html_url: "https://x/11", status: "completed", conclusion: "cancelled" },
          { id: 12, display_title: "Hamster run 42 attempt 2", html_url: "https://x/12", status: "queued", conclusion: null },
        ],
      });
    await expect(startWorkflowRun(octokit(), TARGET, ATTEMPT, noSleep)).resolves.toEqual({ workflowRunId: 12, htmlUrl: "https://x/12" });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).not.toHaveProperty("return_run_details");
  });

  it("says so when the dispatched run never shows up", async () => {
    nock(API).post(DISPATCH).reply(204).get(`${REPO_PATH}/actions/workflows/hamster.yml/runs`).query(true).times(3).reply(200, { total_count: 0, workflow_runs: [] });
    await expect(startWorkflowRun(octokit(), TARGET, ATTEMPT, noSleep)).rejects.toThrow(/no workflow run named "Hamster run 42 attempt 2" appeared/);
  });

  it.each([
    [404, { message: "Not Found" }, /GitHub found no workflow `\.github\/workflows\/hamster\.yml` on `main` of octo\/app \(404\)\. Add it: comment `\/hamster setup actions`/],
    [403, { message: "Resource not accessible by integration" }, /\(403: Resource not accessible by integration\)\. The app needs the Actions permission/],
    [422, { message: "Workflow does not have 'workflow_dispatch' trigger" }, /must be triggered by `workflow_dispatch`/],
    [422, { message: "Cannot trigger a 'workflow_dispatch' on a disabled workflow" }, /Enable the workflow/],
    [422, { message: "Unexpected inputs provided: [\"timeout_minutes\"]" }, /must take the inputs hamster_run, hamster_attempt, timeout_minutes/],
  ])("fails with the fix when GitHub answers %i", async (status, answer, expected) => {
    nock(API).post(DISPATCH).reply(status, answer);
    const failure = startWorkflowRun(octokit(), TARGET, ATTEMPT, noSleep);
    await expect(failure).rejects.toBeInstanceOf(DispatchRefused);
    await expect(failure).rejects.toThrow(expected);
  });
});
