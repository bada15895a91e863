import { writeFile } from "node:fs/promises";
import path from "node:path";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { commitToBareRemote, createWorkArea, type WorkArea } from "../../bench/lib/app-harness.js";
import { buildActionsRoutes, createFakeActions, type FakeActions } from "../../bench/lib/fake-actions.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../../bench/lib/fake-github-server.js";
import type { GitHubClient } from "../../src/github/client.js";
import { cancelWorkflowRun, dispatchWorkflow, getWorkflowRun, listDispatchedRuns } from "../../src/github/workflow-runs.js";
import { waitFor } from "../helpers/wait.js";

const PlainOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

/** A workflow whose one step masks a value, prints it, and waits until a file named for its run exists (20 s at most). */
const WORKFLOW = [
  "name: Test",
  "run-name: Hamster run ${{ inputs.hamster_run }} attempt ${{ inputs.hamster_attempt }}",
  "on: workflow_dispatch",
  "jobs:",
  "  work:",
  "    runs-on: ubuntu-latest",
  "    steps:",
  "      - uses: actions/checkout@v4",
  "      - name: Work",
  "        env:",
  "          RUN: ${{ inputs.hamster_run }}",
  "        run: |",
  '          echo "::add-mask::secret-$RUN"',
  '          echo "run $RUN says secret-$RUN in $GITHUB_REPOSITORY"',
  '          for i in $(seq 400); do [ -e "$RELEASE_DIR/$RUN" ] && exit 0; sleep 0.05; done; exit 1',
  "",
].join("\n");

let github: FakeGitHubServer | undefined;
let actions: FakeActions | undefined;
let area: WorkArea | undefined;
afterEach(async () => {
  await actions?.close();
  await github?.close();
  await area?.cleanup();
  github = actions = area = undefined;
});

describe("the fake GitHub Actions, served by the fake GitHub", () => {
  it("runs dispatched jobs on its runners, answers the Actions REST API, cancels, and sends workflow_run webhooks", async () => {
    github = await startFakeGitHubServer({ secondaryLimit: null });
    area = await createWorkArea("fake-actions", 1, github.url);
    const [repo] = area.repos;
    await commitToBareRemote(repo!.cloneUrl, { ".github/workflows/test.yml": WORKFLOW }, "Add a workflow");
    const webhooks: { name: string; payload: any }[] = [];
    const fake = createFakeActions({
      repos: [{ owner: repo!.owner, repo: repo!.name, repoId: repo!.id, installationId: 7, remoteUrl: repo!.cloneUrl }],
      issuer: { issueRequestCredentials: () => ({ requestUrl: "http://127.0.0.1:9/unused?x=1", requestToken: "unused" }) },
      receive: async (name, payload) => void webhooks.push({ name, payload }),
      apiBaseUrl: `${github.url}/api/v3`,
      htmlOrigin: github.url,
      runners: 1,
      env: { RELEASE_DIR: area.root },
    });
    actions = fake;
    github.serve(buildActionsRoutes(fake));
    const octokit = new PlainOctokit({ baseUrl: `${github.url}/api/v3`, auth: { token: "any" } }) as GitHubClient;
    const target = { owner: repo!.owner, repo: repo!.name };
    const dispatch = (run: string) =>
      dispatchWorkflow(octokit, target, { workflowFile: "test.yml", ref: "main", inputs: { hamster_run: run, hamster_attempt: "1" }, returnRunDetails: true });

    const first = await dispatch("1");
    const second = await dispatch("2");
    if (first.kind !== "started" || second.kind !== "started") throw new Error("the dispatch did not say which run it started");
    expect(first.htmlUrl).toBe(`${github.url}/${repo!.owner}/${repo!.name}/actions/runs/${first.workflowRunId}`);
    // One runner: the first job runs, the second waits for it.
    await waitFor("the first job to run", () => fake.jobs[0]!.status === "in_progress");
    expect((await getWorkflowRun(octokit, target, second.workflowRunId)).status).toBe("queued");
    expect((await listDispatchedRuns(octokit, target, { workflowFile: "test.yml", branch: "main" })).map((run) => run.displayTitle)).toEqual([
      "Hamster run 2 attempt 1",
      "Hamster run 1 attempt 1",
    ]);

    await writeFile(path.join(area.root, "1"), "");
    await waitFor("the second job to run", () => fake.jobs[1]!.status === "in_progress");
    expect(await cancelWorkflowRun(octokit, target, second.workflowRunId)).toBe(true);
    await fake.idle();
    expect(await cancelWorkflowRun(octokit, target, second.workflowRunId)).toBe(false);

    expect(fake.jobs.map((job) => job.conclusion)).toEqual(["success", "cancelled"]);
    expect(fake.peakRunning()).toBe(1);
    // The step ran in the checkout with GitHub's variables; the masked value shows as ***.
    expect(fake.jobs[0]!.log).toBe(`run 1 says *** in ${repo!.owner}/${repo!.name}\n`);
    expect(webhooks.map(({ name, payload }) => [name, payload.workflow_run.id, payload.workflow_run.conclusion, payload.installation.id])).toEqual([
      ["workflow_run", first.workflowRunId, "success", 7],
      ["workflow_run", second.workflowRunId, "cancelled", 7],
    ]);
    // The fake GitHub counts the Actions endpoints like its own: dispatches and cancels are writes.
    expect(github.countByEndpoint()).toMatchObject({
      "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches": 2,
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}": 1,
      "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs": 1,
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel": 2,
    });
    expect(github.calls.filter((call) => call.write)).toHaveLength(4);
  }, 30_000);
});
