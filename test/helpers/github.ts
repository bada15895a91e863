import nock from "nock";

/**
 * A small fake of the GitHub REST and GraphQL APIs, behind nock, keeping the state the
 * app creates (comments, check runs, pull requests) so tests can assert on the outcome
 * as a user would see it, and on every call made.
 */
export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  edits: string[];
}
export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  output: { title: string; summary: string; text?: string };
  externalId: string;
  updates: number;
}
export interface FakePull {
  number: number;
  nodeId: string;
  head: string;
  /** The head commit `GET /pulls/:n` reports (unless `pullHeadSha` says). */
  headSha?: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
  /** Set by a test that merges it (a brief's task is done then). */
  merged?: boolean;
}
/** A branch the app created through the git refs API, where it points now. */
export interface FakeRef {
  branch: string;
  sha: string;
}
/** A file the app committed through the contents API, decoded. */
export interface FakeFileWrite {
  path: string;
  branch: string | undefined;
  message: string;
  content: string;
}
/** An issue of the repository: given in the options or created by the app, as it is now. */
export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: string | null;
  /** Bodies it had before each edit. */
  edits: (string | null)[];
}
/** A label the app created, in `repo` (`owner/name`). */
export interface FakeLabel {
  repo: string;
  name: string;
  color: string;
  description: string;
}
/** A review thread on a pull request, as GitHub's GraphQL API gives it. */
export interface FakeReviewThread {
  isResolved?: boolean;
  isOutdated?: boolean;
  path: string;
  line: number | null;
  diffHunk?: string;
  comments: { id: number; login: string; body: string; type?: "User" | "Bot" }[];
}
/** A check run of the repository's CI on a commit (`GET /commits/:sha/check-runs`). */
export interface FakeCommitCheck {
  id: number;
  name: string;
  /** Default `completed`. */
  status?: string;
  conclusion: string | null;
  /** Default GitHub Actions (`github-actions`, id 15368), whose check run id is its job id. */
  app?: { id: number; slug: string };
  output?: { title?: string; summary?: string; text?: string };
  annotations?: { path: string; start_line: number; annotation_level: string; message: string; title?: string }[];
  /** The job's log, served behind a redirect as GitHub does; absent: 404 (no log). */
  log?: string;
}
/** A review comment the app created in reply to another (`in_reply_to`). */
export interface FakeReviewReply {
  pullNumber: number;
  inReplyTo: number;
  body: string;
}
export interface FakeCall {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  installationId: number;
  /** Role of each user (`role_name`); anyone not listed is not a collaborator (404). */
  roles?: Record<string, string>;
  /** Branches `GET /branches/:name` reports as existing. */
  branches?: string[];
  baseUrl?: string;
  /** Make the model of GitHub refuse something, e.g. `{ "POST /pulls": 422 }` (also "POST /git/refs", "PUT /contents"). */
  failures?: Record<string, number>;
  /** Files on the default branch served by the contents API (e.g. `.github/hamster.yml`). */
  files?: Record<string, string>;
  /** Comments already on the task's issues, by issue number (the app's own are added as it writes them). */
  issueComments?: Record<number, { login: string; type?: string; body: string }[]>;
  /** Review comments on pull requests, by PR number. */
  reviewComments?: Record<number, { login: string; body: string; path: string; line: number }[]>;
  /** Other issues of the repository (`GET /issues/:n`); open unless said otherwise. */
  issues?: Record<number, { title: string; body: string | null; state?: "open" | "closed"; stateReason?: string | null }>;
  /**
   * GitHub's sub-issues, by the parent issue's number, in order. Left out: a GitHub without
   * sub-issues (GitHub Enterprise Server up to 3.19), which answers 404.
   */
  subIssues?: Record<number, number[]>;
  /**
   * GitHub's issue dependencies: what each issue is blocked by, by number. Left out: a GitHub
   * without them (GitHub Enterprise Server up to 3.18), which answers 404 and whose issues
   * carry no dependency summary.
   */
  blockedBy?: Record<number, number[]>;
  /** Requests this fake does not answer go on to the real server at `baseUrl` (a fake GHES on 127.0.0.1 serving the user API). */
  allowUnmocked?: boolean;
  /** Labels repositories of the installation have already, by `owner/name` (any repository, not only this one). */
  labels?: Record<string, string[]>;
  /** Holds each label creation this long before answering, so that overlapping ones show (`state.labelWritesInFlightMax`). */
  labelDelayMs?: number;
  /** What `GET /installation/repositories` lists, as `owner/name`; default this repository. */
  installationRepositories?: string[];
  /** Review threads of pull requests, by PR number (GraphQL `reviewThreads`). */
  reviewThreads?: Record<number, FakeReviewThread[]>;
  /** Where a pull request's head is (`GET /pulls/:n`), e.g. read from the bare remote; default the PR's `headSha`, else `f…f`. */
  pullHeadSha?: (branch: string) => string;
  /** What `GET /repos/:owner/:repo` says of this repository (its id and where git clones it); without: 404. */
  repository?: { id: number; cloneUrl: string; defaultBranch?: string };
  /** What `GET /app` says; default id 1 (the test app's APP_ID), slug `hamster-deliver`. */
  app?: { id: number; slug: string };
}

export interface FakeGitHubState {
  calls: FakeCall[];
  comments: FakeComment[];
  reactions: { target: string; content: string }[];
  checkRuns: FakeCheckRun[];
  pulls: FakePull[];
  deletedRefs: string[];
  refs: FakeRef[];
  fileWrites: FakeFileWrite[];
  labels: FakeLabel[];
  reviewReplies: FakeReviewReply[];
  /** The CI's check runs on each commit, by sha; `*` for any other commit. Tests change it as CI "runs". */
  commitChecks: Record<string, FakeCommitCheck[]>;
  /** The most label creations GitHub was handling at once. */
  labelWritesInFlightMax: number;
}

/** `previous`: the state of an earlier fake to carry on with (GitHub outlives an app restart). */
export function fakeGitHub(options: FakeGitHubOptions, previous?: FakeGitHubState) {
  const baseUrl = new URL(options.baseUrl ?? "https://api.github.com");
  // GitHub Enterprise Server serves REST under /api/v3 and GraphQL at /api/graphql.
  const prefix = baseUrl.pathname.replace(/\/$/, "");
  const graphqlPath = prefix === "" ? "/graphql" : prefix.replace(/\/v3$/, "/graphql");
  const repoPath = `${prefix}/repos/${options.owner}/${options.repo}`;
  const state: FakeGitHubState = previous ?? {
    calls: [],
    comments: [],
    reactions: [],
    checkRuns: [],
    pulls: [],
    deletedRefs: [],
    refs: [],
    fileWrites: [],
    labels: [],
    reviewReplies: [],
    commitChecks: {},
    labelWritesInFlightMax: 0,
  };
  let nextId = 1000 + state.comments.length + state.checkRuns.length + state.pulls.length + state.reactions.length + 100;
  const html = `${prefix === "" ? "https://github.com" : baseUrl.origin}/${options.owner}/${options.repo}`;
  const scope = nock(baseUrl.origin, options.allowUnmocked ? { allowUnmocked: true } : {}).persist();

  const record = (method: string, path: string, body: unknown) => {
    state.calls.push({ method, path: decodeURIComponent(path.split("?")[0] ?? path), body });
  };
  const failure = (key: string) => options.failures?.[key];

  scope.post(`${prefix}/app/installations/${options.installationId}/access_tokens`).reply(201, (path, body) => {
    record("POST", path, body);
    return {
      token: `ghs_${"T".repeat(36)}`,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: { contents: "write", pull_requests: "write", issues: "write", checks: "write", metadata: "read" },
      repository_selection: "all",
    };
  });

  scope.get(new RegExp(`^${repoPath}/collaborators/[^/]+/permission$`)).reply((path) => {
    record("GET", path, null);
    const user = decodeURIComponent(path.split("/").at(-2) ?? "");
    const role = options.roles?.[user];
    if (!role) return [404, { message: "Not Found" }];
    const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    return [200, { permission, role_name: role, user: { login: user } }];
  });

  scope.get(new RegExp(`^${repoPath}/branches/.+$`)).reply((path) => {
    record("GET", path, null);
    const branch = decodeURIComponent(path.slice(`${repoPath}/branches/`.length));
    return (options.branches ?? []).includes(branch)
      ? [200, { name: branch, commit: { sha: "0".repeat(40) } }]
      : [404, { message: "Branch not found" }];
  });

  // Probot's config plugin reads .github/hamster.yml raw, then falls back to the owner's `.github` repository.
  scope.get(new RegExp(`^${prefix}/repos/[^/]+/[^/]+/contents/.+`)).reply((path) => {
    record("GET", path, null);
    const match = new RegExp(`^${prefix}/repos/([^/]+)/([^/]+)/contents/([^?]+)`).exec(path);
    const file = decodeURIComponent(match?.[3] ?? "");
    const content = match?.[1] === options.owner && match?.[2] === options.repo ? options.files?.[file] : undefined;
    if (content === undefined) return [404, { message: "Not Found" }];
    return [200, content, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
  });

  // The repository's issues, given and created; sub-issues and dependencies change as the app adds them.
  const issues = new Map<number, FakeIssue>(
    Object.entries(options.issues ?? {}).map(([n, i]) => [
      Number(n),
      { number: Number(n), title: i.title, body: i.body, state: i.state ?? "open", stateReason: i.stateReason ?? (i.state === "closed" ? "completed" : null), edits: [] },
    ]),
  );
  const subIssues = options.subIssues ? structuredClone(options.subIssues) : undefined;
  const blockedBy = options.blockedBy ? structuredClone(options.blockedBy) : undefined;
  // GitHub's issue ids are not their numbers; the sub-issue and dependency endpoints take ids.
  const ISSUE_ID_BASE = 1_000_000;

  // GitHub's issue object, as far as the app reads it.
  const toIssueJson = (issueNumber: number) => {
    const issue = issues.get(issueNumber) ?? { title: `Issue ${issueNumber}`, body: null, state: "open", stateReason: null };
    const blockers = blockedBy?.[issueNumber] ?? [];
    const isOpen = (n: number) => (issues.get(n)?.state ?? "open") === "open";
    const blocking = Object.entries(blockedBy ?? {}).filter(([, list]) => list.includes(issueNumber)).map(([n]) => Number(n));
    return {
      id: ISSUE_ID_BASE + issueNumber,
      number: issueNumber,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      html_url: `${html}/issues/${issueNumber}`,
      user: { login: "Codertocat", type: "User" },
      repository_url: `${baseUrl.origin}${repoPath}`,
      ...(blockedBy
        ? {
            issue_dependencies_summary: {
              blocked_by: blockers.filter(isOpen).length,
              blocking: blocking.filter(isOpen).length,
              total_blocked_by: blockers.length,
              total_blocking: blocking.length,
            },
          }
        : {}),
    };
  };

  scope.post(`${repoPath}/issues`).reply((path, body) => {
    record("POST", path, body);
    const status = failure("POST /issues");
    if (status) return [status, { message: "Refused" }];
    const b = body as { title: string; body?: string | null };
    const issue: FakeIssue = { number: nextId++, title: b.title, body: b.body ?? null, state: "open", stateReason: null, edits: [] };
    issues.set(issue.number, issue);
    return [201, toIssueJson(issue.number)];
  });

  scope.patch(new RegExp(`^${repoPath}/issues/\\d+$`)).reply((path, body) => {
    record("PATCH", path, body);
    const issue = issues.get(Number(path.split("/").at(-1)));
    if (!issue) return [404, { message: "Not Found" }];
    const b = body as { title?: string; body?: string | null; state?: "open" | "closed" };
    issue.edits.push(issue.body);
    if (b.title !== undefined) issue.title = b.title;
    if (b.body !== undefined) issue.body = b.body;
    if (b.state !== undefined) issue.state = b.state;
    return [200, toIssueJson(issue.number)];
  });

  scope.post(new RegExp(`^${repoPath}/issues/\\d+/sub_issues$`)).reply((path, body) => {
    record("POST", path, body);
    if (!subIssues) return [404, { message: "Not Found" }];
    const parent = Number(path.split("/").at(-2));
    const child = (body as { sub_issue_id: number }).sub_issue_id - ISSUE_ID_BASE;
    if (!issues.has(child) || !issues.has(parent)) return [404, { message: "Not Found" }];
    if (Object.values(subIssues).some((list) => list.includes(child))) return [422, { message: "Validation Failed", errors: [{ message: "Issue may not contain duplicate sub-issues" }] }];
    (subIssues[parent] ??= []).push(child);
    return [201, toIssueJson(parent)];
  });

  scope.post(new RegExp(`^${repoPath}/issues/\\d+/dependencies/blocked_by$`)).reply((path, body) => {
    record("POST", path, body);
    if (!blockedBy) return [404, { message: "Not Found" }];
    const blocked = Number(path.split("/").at(-3));
    const blocker = (body as { issue_id: number }).issue_id - ISSUE_ID_BASE;
    if (!issues.has(blocker) || !issues.has(blocked)) return [404, { message: "Not Found" }];
    if ((blockedBy[blocked] ?? []).includes(blocker)) return [422, { message: "Validation Failed" }];
    (blockedBy[blocked] ??= []).push(blocker);
    return [201, toIssueJson(blocked)];
  });

  scope.get(new RegExp(`^${repoPath}/issues/\\d+$`)).reply((path) => {
    record("GET", path, null);
    const issueNumber = Number(path.split("/").at(-1));
    return issues.has(issueNumber) ? [200, toIssueJson(issueNumber)] : [404, { message: "Not Found" }];
  });

  scope.get(new RegExp(`^${repoPath}/issues/\\d+/sub_issues(\\?.*)?$`)).reply((path) => {
    record("GET", path, null);
    const parent = Number(path.split("?")[0]!.split("/").at(-2));
    if (!subIssues) return [404, { message: "Not Found" }];
    return [200, (subIssues[parent] ?? []).map(toIssueJson)];
  });

  scope.get(new RegExp(`^${repoPath}/issues/\\d+/dependencies/blocked_by(\\?.*)?$`)).reply((path) => {
    record("GET", path, null);
    const issueNumber = Number(path.split("?")[0]!.split("/").at(-3));
    if (!blockedBy) return [404, { message: "Not Found" }];
    return [200, (blockedBy[issueNumber] ?? []).map(toIssueJson)];
  });

  scope.post(new RegExp(`^${repoPath}/issues/(comments/)?\\d+/reactions$`)).reply((path, body) => {
    record("POST", path, body);
    state.reactions.push({ target: path.slice(repoPath.length), content: (body as { content: string }).content });
    return [201, { id: nextId++, content: (body as { content: string }).content }];
  });

  scope.post(new RegExp(`^${repoPath}/issues/\\d+/comments$`)).reply((path, body) => {
    record("POST", path, body);
    const issueNumber = Number(path.split("/").at(-2));
    const comment: FakeComment = { id: nextId++, issueNumber, body: (body as { body: string }).body, edits: [] };
    state.comments.push(comment);
    return [201, { id: comment.id, body: comment.body, html_url: `${html}/issues/${issueNumber}#issuecomment-${comment.id}` }];
  });

  scope.get(new RegExp(`^${repoPath}/issues/\\d+/comments`)).reply((path) => {
    record("GET", path, null);
    const issueNumber = Number(path.split("?")[0]!.split("/").at(-2));
    const seeded = (options.issueComments?.[issueNumber] ?? []).map((c, i) => ({ id: 500 + i, body: c.body, user: { login: c.login, type: c.type ?? "User" } }));
    const own = state.comments.filter((c) => c.issueNumber === issueNumber).map((c) => ({ id: c.id, body: c.body, user: { login: "hamster-deliver[bot]", type: "Bot" } }));
    return [200, [...seeded, ...own]];
  });

  scope.patch(new RegExp(`^${repoPath}/issues/comments/\\d+$`)).reply((path, body) => {
    record("PATCH", path, body);
    const comment = state.comments.find((c) => c.id === Number(path.split("/").at(-1)));
    if (!comment) return [404, { message: "Not Found" }];
    comment.edits.push(comment.body);
    comment.body = (body as { body: string }).body;
    return [200, { id: comment.id, body: comment.body, html_url: `${html}/issues/${comment.issueNumber}#issuecomment-${comment.id}` }];
  });

  scope.get(new RegExp(`^${repoPath}/pulls\\?`)).reply((path) => {
    record("GET", path, null);
    const head = new URL(path, baseUrl.origin).searchParams.get("head") ?? "";
    const branch = head.slice(head.indexOf(":") + 1);
    return [200, state.pulls.filter((p) => p.state === "open" && p.head === branch).map(toPullJson)];
  });

  const toPullJson = (p: FakePull) => ({
    number: p.number,
    node_id: p.nodeId,
    html_url: `${html}/pull/${p.number}`,
    head: { ref: p.head, sha: options.pullHeadSha?.(p.head) ?? p.headSha ?? "f".repeat(40) },
    base: { ref: p.base },
    title: p.title,
    body: p.body,
    draft: p.draft,
    state: p.state,
    merged: p.merged ?? false,
  });

  scope.post(`${repoPath}/pulls`).reply((path, body) => {
    record("POST", path, body);
    const status = failure("POST /pulls");
    if (status) return [status, { message: "Validation Failed" }];
    const b = body as { head: string; base: string; title: string; body: string; draft?: boolean };
    const pull: FakePull = { number: nextId++, nodeId: `PR_node${nextId}`, head: b.head, base: b.base, title: b.title, body: b.body, draft: b.draft ?? false, state: "open" };
    state.pulls.push(pull);
    return [201, toPullJson(pull)];
  });

  scope.get(new RegExp(`^${repoPath}/pulls/\\d+$`)).reply((path) => {
    record("GET", path, null);
    const pull = state.pulls.find((p) => p.number === Number(path.split("/").at(-1)));
    return pull ? [200, toPullJson(pull)] : [404, { message: "Not Found" }];
  });

  // The repository's CI: check runs of any app on a commit, their annotations, and Actions jobs' logs.
  const GITHUB_ACTIONS = { id: 15368, slug: "github-actions" };
  const commitChecks = (sha: string) => state.commitChecks[sha] ?? state.commitChecks["*"] ?? [];
  const findCommitCheck = (id: number) => Object.values(state.commitChecks).flat().find((c) => c.id === id);
  scope.get(new RegExp(`^${repoPath}/commits/[0-9a-f]{40}/check-runs`)).reply((path) => {
    record("GET", path, null);
    const sha = path.split("?")[0]!.split("/").at(-2)!;
    const checks = commitChecks(sha).map((c) => ({
      id: c.id,
      name: c.name,
      head_sha: sha,
      status: c.status ?? "completed",
      conclusion: c.conclusion,
      app: c.app ?? GITHUB_ACTIONS,
      html_url: `${html}/runs/${c.id}`,
      output: { title: c.output?.title ?? null, summary: c.output?.summary ?? null, text: c.output?.text ?? null, annotations_count: c.annotations?.length ?? 0 },
    }));
    return [200, { total_count: checks.length, check_runs: checks }];
  });
  scope.get(new RegExp(`^${repoPath}/check-runs/\\d+/annotations`)).reply((path) => {
    record("GET", path, null);
    const check = findCommitCheck(Number(path.split("?")[0]!.split("/").at(-2)));
    return check ? [200, check.annotations ?? []] : [404, { message: "Not Found" }];
  });
  scope.get(new RegExp(`^${repoPath}/actions/jobs/\\d+/logs$`)).reply((path) => {
    record("GET", path, null);
    const id = Number(path.split("/").at(-2));
    return findCommitCheck(id)?.log === undefined ? [404, { message: "Not Found" }] : [302, "", { location: `${baseUrl.origin}/_fake-job-logs/${id}` }];
  });
  scope.get(/^\/_fake-job-logs\/\d+$/).reply((path) => {
    record("GET", path, null);
    return [200, findCommitCheck(Number(path.split("/").at(-1)))?.log ?? "", { "content-type": "text/plain" }];
  });

  scope.get(new RegExp(`^${repoPath}/pulls/\\d+/comments`)).reply((path) => {
    record("GET", path, null);
    const pullNumber = Number(path.split("?")[0]!.split("/").at(-2));
    return [200, (options.reviewComments?.[pullNumber] ?? []).map((c, i) => ({ id: 900 + i, body: c.body, path: c.path, line: c.line, user: { login: c.login, type: "User" } }))];
  });

  // A review comment; the app only ever replies (`in_reply_to`), and GitHub then ignores all but the body.
  scope.post(new RegExp(`^${repoPath}/pulls/\\d+/comments$`)).reply((path, body) => {
    record("POST", path, body);
    const b = body as { body: string; in_reply_to?: number };
    if (b.in_reply_to === undefined) return [422, { message: "Validation Failed" }];
    const pullNumber = Number(path.split("/").at(-2));
    state.reviewReplies.push({ pullNumber, inReplyTo: b.in_reply_to, body: b.body });
    return [201, { id: nextId++, body: b.body, in_reply_to_id: b.in_reply_to, html_url: `${html}/pull/${pullNumber}#discussion_r${nextId}` }];
  });

  scope.patch(new RegExp(`^${repoPath}/pulls/\\d+$`)).reply((path, body) => {
    record("PATCH", path, body);
    const pull = state.pulls.find((p) => p.number === Number(path.split("/").at(-1)));
    if (!pull) return [404, { message: "Not Found" }];
    const b = body as { body?: string; state?: "open" | "closed"; base?: string };
    if (b.body !== undefined) pull.body = b.body;
    if (b.state !== undefined) pull.state = b.state;
    if (b.base !== undefined) pull.base = b.base;
    return [200, toPullJson(pull)];
  });

  scope.post(graphqlPath).reply((path, body) => {
    record("POST", path, body);
    const b = body as { query: string; variables: { id: string; number?: number; owner?: string; name?: string } };
    if (b.query.includes("reviewThreads")) {
      if (b.variables.owner !== options.owner || b.variables.name !== options.repo) return [200, { data: { repository: null }, errors: [{ message: "Could not resolve to a Repository" }] }];
      const nodes = (options.reviewThreads?.[b.variables.number ?? 0] ?? []).map((t) => ({
        isResolved: t.isResolved ?? false,
        isOutdated: t.isOutdated ?? false,
        path: t.path,
        line: t.line,
        originalLine: t.line,
        comments: {
          nodes: t.comments.map((c) => ({ databaseId: c.id, body: c.body, diffHunk: t.diffHunk ?? "@@ -1 +1 @@\n-hello\n+hello", author: { __typename: c.type ?? "User", login: c.login } })),
        },
      }));
      return [200, { data: { repository: { pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } } } }];
    }
    const pull = state.pulls.find((p) => p.nodeId === b.variables.id);
    if (!b.query.includes("markPullRequestReadyForReview") || !pull) {
      return [200, { data: null, errors: [{ message: "Could not resolve to a node" }] }];
    }
    pull.draft = false;
    return [200, { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } }];
  });

  scope.post(`${repoPath}/check-runs`).reply((path, body) => {
    record("POST", path, body);
    const b = body as { name: string; head_sha: string; status: string; conclusion?: string; output: FakeCheckRun["output"]; external_id: string };
    const check: FakeCheckRun = {
      id: nextId++,
      name: b.name,
      headSha: b.head_sha,
      status: b.status,
      conclusion: b.conclusion ?? null,
      output: b.output,
      externalId: b.external_id,
      updates: 0,
    };
    state.checkRuns.push(check);
    return [201, { id: check.id, html_url: `${html}/runs/${check.id}` }];
  });

  scope.patch(new RegExp(`^${repoPath}/check-runs/\\d+$`)).reply((path, body) => {
    record("PATCH", path, body);
    const check = state.checkRuns.find((c) => c.id === Number(path.split("/").at(-1)));
    if (!check) return [404, { message: "Not Found" }];
    const b = body as { status?: string; conclusion?: string; output?: FakeCheckRun["output"] };
    if (b.status) check.status = b.status;
    if (b.conclusion) check.conclusion = b.conclusion;
    if (b.output) check.output = b.output;
    check.updates++;
    return [200, { id: check.id, html_url: `${html}/runs/${check.id}` }];
  });

  scope.delete(new RegExp(`^${repoPath}/git/refs/.+$`)).reply((path) => {
    record("DELETE", path, null);
    const ref = decodeURIComponent(path.slice(`${repoPath}/git/refs/`.length));
    state.deletedRefs.push(ref);
    const created = state.refs.findIndex((r) => `heads/${r.branch}` === ref);
    if (created !== -1) state.refs.splice(created, 1);
    return [204, ""];
  });

  // The git refs API: the branches of `options.branches` at the commit `GET /branches` gives, and those the app created.
  const findBranchSha = (branch: string) => state.refs.find((r) => r.branch === branch)?.sha ?? ((options.branches ?? []).includes(branch) ? "0".repeat(40) : undefined);

  // Octokit sends a ref's slashes encoded (`heads%2Fmain`).
  const refBranch = (path: string, prefix: string) => decodeURIComponent(path.slice(`${repoPath}/${prefix}`.length)).replace(/^heads\//, "");

  scope.get(new RegExp(`^${repoPath}/git/ref/.+$`)).reply((path) => {
    record("GET", path, null);
    const branch = refBranch(path, "git/ref/");
    const sha = findBranchSha(branch);
    return sha ? [200, { ref: `refs/heads/${branch}`, object: { sha, type: "commit" } }] : [404, { message: "Not Found" }];
  });

  scope.post(`${repoPath}/git/refs`).reply((path, body) => {
    record("POST", path, body);
    const status = failure("POST /git/refs");
    if (status) return [status, { message: "Refused" }];
    const b = body as { ref: string; sha: string };
    const branch = b.ref.replace(/^refs\/heads\//, "");
    if (findBranchSha(branch)) return [422, { message: "Reference already exists" }];
    state.refs.push({ branch, sha: b.sha });
    return [201, { ref: b.ref, object: { sha: b.sha, type: "commit" } }];
  });

  scope.patch(new RegExp(`^${repoPath}/git/refs/.+$`)).reply((path, body) => {
    record("PATCH", path, body);
    const branch = refBranch(path, "git/refs/");
    if (!findBranchSha(branch)) return [422, { message: "Reference does not exist" }];
    const b = body as { sha: string };
    const created = state.refs.find((r) => r.branch === branch);
    if (created) created.sha = b.sha;
    else state.refs.push({ branch, sha: b.sha });
    return [200, { ref: `refs/heads/${branch}`, object: { sha: b.sha, type: "commit" } }];
  });

  // GitHub answers an app without the Workflows permission 403 or 404 here: `failures: { "PUT /contents": 403 }`.
  scope.put(new RegExp(`^${repoPath}/contents/.+$`)).reply((path, body) => {
    record("PUT", path, body);
    const status = failure("PUT /contents");
    if (status) return [status, { message: status === 403 ? "Resource not accessible by integration" : "Not Found" }];
    const b = body as { message: string; content: string; branch?: string };
    if (b.branch !== undefined && !findBranchSha(b.branch)) return [404, { message: `Branch ${b.branch} not found` }];
    const file = decodeURIComponent(path.slice(`${repoPath}/contents/`.length));
    state.fileWrites.push({ path: file, branch: b.branch, message: b.message, content: Buffer.from(b.content, "base64").toString("utf8") });
    return [201, { content: { path: file, sha: "e".repeat(40) }, commit: { sha: "d".repeat(40) } }];
  });

  // Labels of any repository of the owner: installing the app creates them everywhere.
  let labelWritesInFlight = 0;
  scope.post(new RegExp(`^${prefix}/repos/[^/]+/[^/]+/labels$`)).reply((path, body, callback) => {
    record("POST", path, body);
    const repo = decodeURIComponent(path.slice(`${prefix}/repos/`.length, -"/labels".length));
    const b = body as { name: string; color: string; description: string };
    labelWritesInFlight++;
    state.labelWritesInFlightMax = Math.max(state.labelWritesInFlightMax, labelWritesInFlight);
    const exists = [...(options.labels?.[repo] ?? []), ...state.labels.filter((l) => l.repo === repo).map((l) => l.name)].some(
      (name) => name.toLowerCase() === b.name.toLowerCase(),
    );
    if (!exists) state.labels.push({ repo, name: b.name, color: b.color, description: b.description });
    const answer = exists
      ? [422, { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists", field: "name" }] }]
      : [201, { id: nextId++, name: b.name, color: b.color, description: b.description }];
    setTimeout(() => {
      labelWritesInFlight--;
      callback(null, answer as [number, object]);
    }, options.labelDelayMs ?? 0);
  });

  scope.get(repoPath).reply((path) => {
    record("GET", path, null);
    const repository = options.repository;
    if (!repository) return [404, { message: "Not Found" }];
    return [200, { id: repository.id, name: options.repo, full_name: `${options.owner}/${options.repo}`, owner: { login: options.owner }, clone_url: repository.cloneUrl, default_branch: repository.defaultBranch ?? "main", html_url: html }];
  });

  scope.get(`${prefix}/app`).reply((path) => {
    record("GET", path, null);
    const app = options.app ?? { id: 1, slug: "hamster-deliver" };
    return [200, { id: app.id, slug: app.slug, name: "Hamster Deliver", owner: { login: options.owner } }];
  });

  scope.get(new RegExp(`^${prefix}/installation/repositories`)).reply((path) => {
    record("GET", path, null);
    const names = options.installationRepositories ?? [`${options.owner}/${options.repo}`];
    const repositories = names.map((fullName) => ({ name: fullName.split("/")[1], full_name: fullName, owner: { login: fullName.split("/")[0] } }));
    return [200, { total_count: repositories.length, repositories }];
  });

  return {
    ...state,
    /** The repository's issues by number, as they are now. */
    issues,
    /** Sub-issues by parent number, as they are now; undefined on a GitHub without them. */
    subIssues,
    /** What each issue is blocked by, as it is now; undefined on a GitHub without issue dependencies. */
    blockedBy,
    // A number is copied by the spread: read it where it changes.
    get labelWritesInFlightMax() {
      return state.labelWritesInFlightMax;
    },
    /** Calls whose path (without the repo prefix) and method match. */
    callsTo(method: string, pathPattern: RegExp): FakeCall[] {
      return state.calls.filter((c) => c.method === method && pathPattern.test(c.path.replace(repoPath, "")));
    },
  };
}
