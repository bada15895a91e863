import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGitHubServer, type FakeGitHubServer } from "../../bench/lib/fake-github-server.js";
import { hasStatus, type GitHubClient } from "../../src/github/client.js";

const PlainOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

let server: FakeGitHubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function tokenFor(s: FakeGitHubServer, installationId: number): Promise<string> {
  const res = await fetch(`${s.url}/api/v3/app/installations/${installationId}/access_tokens`, { method: "POST", headers: { authorization: "bearer jwt" } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function call(s: FakeGitHubServer, token: string, method: string, path: string, body?: unknown) {
  return fetch(`${s.url}/api/v3${path}`, {
    method,
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

describe("the fake GitHub server's secondary rate limit", () => {
  it("refuses an installation's writes beyond maxWrites in a rolling window, with retry-after, and nothing else", async () => {
    let clock = 0;
    server = await startFakeGitHubServer({ secondaryLimit: { maxWrites: 3, windowMs: 1_000 }, now: () => clock });
    const one = await tokenFor(server, 1);
    const two = await tokenFor(server, 2);
    const comment = (token: string) => call(server!, token, "POST", "/repos/o/r/issues/1/comments", { body: "hi" });

    for (let i = 0; i < 3; i++) expect((await comment(one)).status).toBe(201);
    clock = 500;
    const refused = await comment(one);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { message: string }).message).toMatch(/exceeded a secondary rate limit/);
    // A refused write does not count, reads are never limited, nor is another installation or a token request.
    expect((await call(server, one, "GET", "/repos/o/r/issues/1/comments")).status).toBe(200);
    expect((await comment(two)).status).toBe(201);
    for (let i = 0; i < 4; i++) await tokenFor(server, 1);

    clock = 999;
    expect((await comment(one)).status).toBe(403);
    clock = 1_000;
    expect((await comment(one)).status).toBe(201);
    expect((await comment(one)).status).toBe(201);
    expect((await comment(one)).status).toBe(201);
    expect((await comment(one)).status).toBe(403);

    expect(server.secondaryLimitHits()).toBe(3);
    expect(server.comments).toHaveLength(7);
    // Attempts, refused ones included: 500, 999 and four at 1000 fall in one window.
    expect(server.peakWrites(1_000)).toBe(6);
    expect(server.calls.filter((c) => c.status === 403).every((c) => c.installationId === 1 && c.write)).toBe(true);
  });

  it("is what Octokit recognises as a secondary rate limit", async () => {
    server = await startFakeGitHubServer({ secondaryLimit: { maxWrites: 0, windowMs: 1_000 } });
    const octokit = new PlainOctokit({ baseUrl: `${server.url}/api/v3` }) as GitHubClient;
    const error = await octokit.rest.checks.create({ owner: "o", repo: "r", name: "Hamster", head_sha: "a".repeat(40) }).catch((e: unknown) => e);
    expect(hasStatus(error, 403)).toBe(true);
    // The pattern @octokit/plugin-throttling matches.
    expect((error as Error).message).toMatch(/\bsecondary rate\b/i);
  });

  it("has no limit when there is no rule", async () => {
    // A still clock: all thirty writes fall in one window, however long they take to send.
    server = await startFakeGitHubServer({ secondaryLimit: null, now: () => 0 });
    const token = await tokenFor(server, 1);
    for (let i = 0; i < 30; i++) expect((await call(server, token, "POST", "/repos/o/r/issues/1/reactions", { content: "eyes" })).status).toBe(201);
    expect(server.secondaryLimitHits()).toBe(0);
    expect(server.peakWrites(1_000)).toBe(30);
  });
});

describe("the fake GitHub server's endpoints", () => {
  it("serves what a run calls, keeps the state, and counts calls by endpoint", async () => {
    server = await startFakeGitHubServer({
      secondaryLimit: null,
      roles: { alice: "admin" },
      branches: ["main", "develop"],
      files: { "o/r:.github/hamster.yml": "test: make\n" },
      issues: { "o/r#5": { title: "Linked", body: "brief" } },
    });
    const token = await tokenFor(server, 7);
    const octokit = new PlainOctokit({ baseUrl: `${server.url}/api/v3`, auth: { token } }) as GitHubClient;
    const repo = { owner: "o", repo: "r" };

    expect((await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: "alice" })).data.role_name).toBe("admin");
    expect(await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: "bob" }).catch((e: unknown) => hasStatus(e, 404))).toBe(true);
    expect((await octokit.rest.repos.getBranch({ ...repo, branch: "develop" })).data.name).toBe("develop");
    expect(await octokit.rest.repos.getBranch({ ...repo, branch: "nope" }).catch((e: unknown) => hasStatus(e, 404))).toBe(true);
    const config = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: ".github/hamster.yml", mediaType: { format: "raw" } });
    expect(config.data).toBe("test: make\n");
    expect(await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "o", repo: ".github", path: ".github/hamster.yml" }).catch((e: unknown) => hasStatus(e, 404))).toBe(true);
    expect((await octokit.rest.issues.get({ ...repo, issue_number: 5 })).data.title).toBe("Linked");

    await octokit.rest.reactions.createForIssue({ ...repo, issue_number: 1, content: "eyes" });
    await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: 9, content: "eyes" });
    const comment = await octokit.rest.issues.createComment({ ...repo, issue_number: 1, body: "queued" });
    await octokit.rest.issues.updateComment({ ...repo, comment_id: comment.data.id, body: "done" });
    expect((await octokit.rest.issues.listComments({ ...repo, issue_number: 1 })).data.map((c) => c.body)).toEqual(["done"]);

    expect((await octokit.rest.pulls.list({ ...repo, state: "open", head: "o:work" })).data).toEqual([]);
    const pull = await octokit.rest.pulls.create({ ...repo, head: "work", base: "main", title: "T", body: "draft", draft: true });
    expect((await octokit.rest.pulls.list({ ...repo, state: "open", head: "o:work" })).data).toHaveLength(1);
    await octokit.rest.pulls.update({ ...repo, pull_number: pull.data.number, body: "delivered" });
    await octokit.graphql(`mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`, { id: pull.data.node_id });

    const check = await octokit.rest.checks.create({ ...repo, name: "Hamster", head_sha: "a".repeat(40), external_id: "3", status: "in_progress" });
    await octokit.rest.checks.update({ ...repo, check_run_id: check.data.id, status: "completed", conclusion: "success", output: { title: "t", summary: "s" } });
    await octokit.rest.git.deleteRef({ ...repo, ref: "heads/hamster/1-x" });
    expect(await octokit.request("GET /unknown/thing").catch((e: unknown) => hasStatus(e, 404))).toBe(true);

    expect(server.reactions.map((r) => r.target)).toEqual(["issues/1", "issues/comments/9"]);
    expect(server.comments).toMatchObject([{ issueNumber: 1, body: "done", edits: 1 }]);
    expect(server.pulls).toMatchObject([{ head: "work", base: "main", body: "delivered", draft: false, state: "open" }]);
    expect(server.checkRuns).toMatchObject([{ externalId: "3", status: "completed", conclusion: "success", updates: 1 }]);
    expect(server.deletedRefs).toEqual(["o/r:heads/hamster/1-x"]);
    expect(server.calls.filter((c) => c.endpoint !== "POST /app/installations/{installation_id}/access_tokens").every((c) => c.installationId === 7)).toBe(true);
    expect(server.countByEndpoint()).toEqual({
      "POST /app/installations/{installation_id}/access_tokens": 1,
      "GET /repos/{owner}/{repo}/collaborators/{username}/permission": 2,
      "GET /repos/{owner}/{repo}/branches/{branch}": 2,
      "GET /repos/{owner}/{repo}/contents/{path}": 2,
      "GET /repos/{owner}/{repo}/issues/{issue_number}": 1,
      "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": 1,
      "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": 1,
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": 1,
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": 1,
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": 1,
      "GET /repos/{owner}/{repo}/pulls": 2,
      "POST /repos/{owner}/{repo}/pulls": 1,
      "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": 1,
      "POST /graphql": 1,
      "POST /repos/{owner}/{repo}/check-runs": 1,
      "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": 1,
      "DELETE /repos/{owner}/{repo}/git/refs/{ref}": 1,
      unknown: 1,
    });
  });
});
