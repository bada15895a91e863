import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, readBody } from "./http.js";

/**
 * A small GitHub Enterprise Server lookalike on 127.0.0.1 for benchmarks: REST under
 * /api/v3 and GraphQL at /api/graphql (what Probot uses with GHE_HOST=127.0.0.1:<port>,
 * GHE_PROTOCOL=http), serving exactly the endpoints a Hamster run calls, keeping the state
 * the app creates, counting every request by endpoint and installation, and enforcing a
 * secondary rate limit on content creation the way GitHub answers it: 403 with
 * "You have exceeded a secondary rate limit" and `retry-after`.
 *
 * The rule: a content-creating request (any method but GET/HEAD; the installation token
 * request is exempt) is refused when its installation already had `maxWrites` accepted
 * ones in the last `windowMs`. Refused requests do not count toward the window.
 */

export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.";

export interface SecondaryRateLimitRule {
  /** Accepted writes allowed per installation in any window. */
  readonly maxWrites: number;
  readonly windowMs: number;
  /** Seconds, sent as `retry-after` with each refusal; default 1. */
  readonly retryAfterSeconds?: number;
}

export interface FakeGitHubServerOptions {
  /** null: no secondary limit. */
  readonly secondaryLimit: SecondaryRateLimitRule | null;
  /** `role_name` of each user on every repository; anyone not listed is not a collaborator (404). */
  readonly roles?: Readonly<Record<string, string>>;
  /** Branches that exist on every repository; default ["main"]. */
  readonly branches?: readonly string[];
  /** Files served by the contents API, by `owner/repo:path`. */
  readonly files?: Readonly<Record<string, string>>;
  /** Issues served by `GET /issues/:n`, by `owner/repo#n`. */
  readonly issues?: Readonly<Record<string, { title: string; body: string | null }>>;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/** A REST request as a route sees it: the path under /api/v3, its parameters and its parsed JSON body. */
export interface FakeGitHubRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Record<string, string>;
  readonly body: any;
}

export interface FakeGitHubReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** An endpoint: `template` is a REST path such as `/repos/{owner}/{repo}/pulls`; `{name+}` takes the rest of the path. */
export interface FakeGitHubRoute {
  readonly method: string;
  readonly template: string;
  handle(request: FakeGitHubRequest): FakeGitHubReply;
}

export interface FakeGitHubCall {
  readonly method: string;
  /** The route, e.g. `PATCH /repos/{owner}/{repo}/check-runs/{id}`; `unknown` for anything not served. */
  readonly endpoint: string;
  readonly path: string;
  /** From the installation token the request carried; 0 for app (JWT) and anonymous requests. */
  readonly installationId: number;
  readonly at: number;
  readonly status: number;
  readonly write: boolean;
}

export interface FakeCheckRun {
  readonly id: number;
  readonly repo: string;
  readonly headSha: string;
  readonly externalId: string;
  status: string;
  conclusion: string | null;
  output: unknown;
  updates: number;
}

export interface FakeComment {
  readonly id: number;
  readonly repo: string;
  readonly issueNumber: number;
  body: string;
  edits: number;
}

export interface FakePull {
  readonly number: number;
  readonly repo: string;
  readonly nodeId: string;
  readonly head: string;
  readonly base: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
}

export interface FakeGitHubServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, for GHE_HOST. */
  readonly host: string;
  readonly calls: FakeGitHubCall[];
  readonly checkRuns: FakeCheckRun[];
  readonly comments: FakeComment[];
  readonly pulls: FakePull[];
  readonly reactions: { repo: string; target: string; content: string }[];
  readonly deletedRefs: string[];
  /** Serves more REST endpoints (the fake Actions', say), counted like the built-in ones. */
  serve(routes: readonly FakeGitHubRoute[]): void;
  /** Requests answered with the secondary-rate-limit 403. */
  secondaryLimitHits(): number;
  /** Calls per endpoint. */
  countByEndpoint(calls?: readonly FakeGitHubCall[]): Record<string, number>;
  /** The most write requests (accepted or refused) one installation sent in any window of `windowMs`. */
  peakWrites(windowMs: number): number;
  /**
   * The first call (already recorded or still to come) that matches; rejects after `timeoutMs`.
   * Calls are recorded when their reply is decided, so `at` is when the request had fully arrived.
   */
  waitForCall(matches: (call: FakeGitHubCall) => boolean, timeoutMs: number): Promise<FakeGitHubCall>;
  close(): Promise<void>;
}

type Reply = FakeGitHubReply;
type Request = FakeGitHubRequest;
interface Route {
  readonly method: string;
  readonly endpoint: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handle: (req: Request) => Reply;
}

const REST_PREFIX = "/api/v3";
const GRAPHQL_PATH = "/api/graphql";
const TOKEN_ENDPOINT = "POST /app/installations/{installation_id}/access_tokens";

export async function startFakeGitHubServer(options: FakeGitHubServerOptions): Promise<FakeGitHubServer> {
  const now = options.now ?? (() => performance.now());
  const calls: FakeGitHubCall[] = [];
  const checkRuns: FakeCheckRun[] = [];
  const comments: FakeComment[] = [];
  const pulls: FakePull[] = [];
  const reactions: FakeGitHubServer["reactions"] = [];
  const deletedRefs: string[] = [];
  /** Accepted write times per installation, oldest first. */
  const accepted = new Map<number, number[]>();
  const tokens = new Map<string, number>();
  const listeners = new Set<(call: FakeGitHubCall) => void>();
  let nextId = 1000;
  let origin = "";

  const html = (repo: string) => `${origin}/${repo}`;
  const repoOf = (p: Record<string, string>) => `${p["owner"]}/${p["repo"]}`;
  const pullJson = (p: FakePull) => ({
    number: p.number,
    node_id: p.nodeId,
    html_url: `${html(p.repo)}/pull/${p.number}`,
    head: { ref: p.head, sha: "f".repeat(40) },
    base: { ref: p.base },
    body: p.body,
    draft: p.draft,
    state: p.state,
  });
  const notFound: Reply = { status: 404, body: { message: "Not Found" } };

  const routes: Route[] = [];
  const route = (method: string, template: string, handle: Route["handle"]) => {
    const names: string[] = [];
    const source = template.replace(/\{(\w+)(\+?)\}/g, (_m, name: string, rest: string) => {
      names.push(name);
      return rest ? "(.+)" : "([^/]+)";
    });
    routes.push({ method, endpoint: `${method} ${template.replace("+}", "}")}`, pattern: new RegExp(`^${source}$`), names, handle });
  };

  route("POST", "/app/installations/{installation_id}/access_tokens", (req) => {
    const installationId = Number(req.params["installation_id"]);
    const token = `ghs_${installationId}_${randomBytes(12).toString("hex")}`;
    tokens.set(token, installationId);
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { contents: "write", pull_requests: "write", issues: "write", checks: "write", metadata: "read" },
        repository_selection: "all",
      },
    };
  });

  route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", (req) => {
    const user = req.params["username"]!;
    const role = options.roles?.[user];
    if (!role) return notFound;
    const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    return { status: 200, body: { permission, role_name: role, user: { login: user } } };
  });

  route("GET", "/repos/{owner}/{repo}/branches/{branch+}", (req) => {
    const branch = req.params["branch"]!;
    return (options.branches ?? ["main"]).includes(branch) ? { status: 200, body: { name: branch, commit: { sha: "0".repeat(40) } } } : { status: 404, body: { message: "Branch not found" } };
  });

  route("GET", "/repos/{owner}/{repo}/contents/{path+}", (req) => {
    const content = options.files?.[`${repoOf(req.params)}:${req.params["path"]}`];
    if (content === undefined) return notFound;
    return { status: 200, body: content, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
  });

  route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", (req) => {
    const issue = options.issues?.[`${repoOf(req.params)}#${req.params["issue_number"]}`];
    return issue ? { status: 200, body: { number: Number(req.params["issue_number"]), ...issue } } : notFound;
  });

  route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (req) => {
    const repo = repoOf(req.params);
    const issueNumber = Number(req.params["issue_number"]);
    const own = comments.filter((c) => c.repo === repo && c.issueNumber === issueNumber);
    return { status: 200, body: own.map((c) => ({ id: c.id, body: c.body, user: { login: "hamster-deliver[bot]", type: "Bot" } })) };
  });

  route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (req) => {
    const repo = repoOf(req.params);
    const comment: FakeComment = { id: nextId++, repo, issueNumber: Number(req.params["issue_number"]), body: String(req.body?.body ?? ""), edits: 0 };
    comments.push(comment);
    return { status: 201, body: { id: comment.id, body: comment.body, html_url: `${html(repo)}/issues/${comment.issueNumber}#issuecomment-${comment.id}` } };
  });

  route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (req) => {
    const comment = comments.find((c) => c.id === Number(req.params["comment_id"]));
    if (!comment) return notFound;
    comment.body = String(req.body?.body ?? "");
    comment.edits++;
    return { status: 200, body: { id: comment.id, body: comment.body, html_url: `${html(comment.repo)}/issues/${comment.issueNumber}#issuecomment-${comment.id}` } };
  });

  const react = (target: string) => (req: Request): Reply => {
    const content = String(req.body?.content ?? "");
    reactions.push({ repo: repoOf(req.params), target: target.replace(/\{(\w+)\}/g, (_m, n: string) => req.params[n] ?? ""), content });
    return { status: 201, body: { id: nextId++, content } };
  };
  route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", react("issues/{issue_number}"));
  route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", react("issues/comments/{comment_id}"));

  route("GET", "/repos/{owner}/{repo}/pulls", (req) => {
    const repo = repoOf(req.params);
    const head = req.query.get("head") ?? "";
    const branch = head.slice(head.indexOf(":") + 1);
    const state = req.query.get("state") ?? "open";
    return { status: 200, body: pulls.filter((p) => p.repo === repo && (state === "all" || p.state === state) && (!head || p.head === branch)).map(pullJson) };
  });

  route("POST", "/repos/{owner}/{repo}/pulls", (req) => {
    const b = req.body ?? {};
    const number = nextId++;
    const pull: FakePull = { number, repo: repoOf(req.params), nodeId: `PR_node${number}`, head: b.head, base: b.base, body: b.body ?? "", draft: b.draft === true, state: "open" };
    pulls.push(pull);
    return { status: 201, body: pullJson(pull) };
  });

  route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", (req) => {
    const pull = pulls.find((p) => p.repo === repoOf(req.params) && p.number === Number(req.params["pull_number"]));
    if (!pull) return notFound;
    if (typeof req.body?.body === "string") pull.body = req.body.body;
    if (req.body?.state === "open" || req.body?.state === "closed") pull.state = req.body.state;
    return { status: 200, body: pullJson(pull) };
  });

  route("POST", "/repos/{owner}/{repo}/check-runs", (req) => {
    const b = req.body ?? {};
    const check: FakeCheckRun = {
      id: nextId++,
      repo: repoOf(req.params),
      headSha: String(b.head_sha ?? ""),
      externalId: String(b.external_id ?? ""),
      status: String(b.status ?? "queued"),
      conclusion: b.conclusion ?? null,
      output: b.output ?? null,
      updates: 0,
    };
    checkRuns.push(check);
    return { status: 201, body: { id: check.id, html_url: `${html(check.repo)}/runs/${check.id}` } };
  });

  route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (req) => {
    const check = checkRuns.find((c) => c.id === Number(req.params["check_run_id"]));
    if (!check) return notFound;
    const b = req.body ?? {};
    if (b.status) check.status = b.status;
    if (b.conclusion) check.conclusion = b.conclusion;
    if (b.output) check.output = b.output;
    check.updates++;
    return { status: 200, body: { id: check.id, html_url: `${html(check.repo)}/runs/${check.id}` } };
  });

  route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref+}", (req) => {
    deletedRefs.push(`${repoOf(req.params)}:${req.params["ref"]}`);
    return { status: 204 };
  });

  const graphql = (req: Request): Reply => {
    const query = String(req.body?.query ?? "");
    const pull = pulls.find((p) => p.nodeId === req.body?.variables?.id);
    if (!query.includes("markPullRequestReadyForReview") || !pull) {
      return { status: 200, body: { data: null, errors: [{ type: "NOT_FOUND", message: "Could not resolve to a node" }] } };
    }
    pull.draft = false;
    return { status: 200, body: { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } } };
  };

  /** True when the installation may write now; records the write when it may. */
  function admitWrite(installationId: number, at: number): boolean {
    const rule = options.secondaryLimit;
    const times = accepted.get(installationId) ?? [];
    accepted.set(installationId, times);
    if (rule) {
      while (times.length > 0 && times[0]! <= at - rule.windowMs) times.shift();
      if (times.length >= rule.maxWrites) return false;
    }
    times.push(at);
    return true;
  }

  /** The route a request goes to, without running it. */
  function match(method: string, rawPath: string): { endpoint: string; run: (query: URLSearchParams, body: unknown) => Reply } {
    if (rawPath === GRAPHQL_PATH && method === "POST") {
      return { endpoint: "POST /graphql", run: (query, body) => graphql({ method, path: rawPath, query, params: {}, body }) };
    }
    const path = rawPath.startsWith(`${REST_PREFIX}/`) ? rawPath.slice(REST_PREFIX.length) : undefined;
    for (const r of path === undefined ? [] : routes) {
      if (r.method !== method) continue;
      const found = r.pattern.exec(path!);
      if (!found) continue;
      const params = Object.fromEntries(r.names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? "")]));
      return { endpoint: r.endpoint, run: (query, body) => r.handle({ method, path: path!, query, params, body }) };
    }
    return { endpoint: "unknown", run: () => notFound };
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://github.test");
    const raw = await readBody(req);
    let body: unknown = null;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        send(res, { status: 400, body: { message: "Problems parsing JSON" } });
        return;
      }
    }
    const installationId = tokens.get((req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "")) ?? 0;
    const at = now();
    const route = match(method, url.pathname);
    const endpoint = route.endpoint;
    const write = method !== "GET" && method !== "HEAD" && endpoint !== TOKEN_ENDPOINT;
    let reply: Reply;
    if (write && !admitWrite(installationId, at)) {
      reply = {
        status: 403,
        body: { message: SECONDARY_RATE_LIMIT_MESSAGE, documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" },
        headers: { "retry-after": String(options.secondaryLimit?.retryAfterSeconds ?? 1) },
      };
    } else {
      reply = route.run(url.searchParams, body);
    }
    const call: FakeGitHubCall = { method, endpoint, path: url.pathname, installationId, at, status: reply.status, write };
    calls.push(call);
    for (const listener of listeners) listener(call);
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, { status: 500, body: { message: error instanceof Error ? error.message : String(error) } }));
  });
  const port = await listenOnLoopback(server);
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    host: `127.0.0.1:${port}`,
    calls,
    checkRuns,
    comments,
    pulls,
    reactions,
    deletedRefs,
    serve(extra) {
      for (const r of extra) route(r.method, r.template, (req) => r.handle(req));
    },
    secondaryLimitHits: () => calls.filter((c) => c.status === 403 && c.write).length,
    countByEndpoint(list = calls) {
      const counts: Record<string, number> = {};
      for (const call of list) counts[call.endpoint] = (counts[call.endpoint] ?? 0) + 1;
      return counts;
    },
    peakWrites(windowMs) {
      let peak = 0;
      const byInstallation = new Map<number, number[]>();
      for (const c of calls) if (c.write) byInstallation.set(c.installationId, [...(byInstallation.get(c.installationId) ?? []), c.at]);
      for (const times of byInstallation.values()) {
        let start = 0;
        for (let end = 0; end < times.length; end++) {
          while (times[end]! - times[start]! >= windowMs) start++;
          peak = Math.max(peak, end - start + 1);
        }
      }
      return peak;
    },
    waitForCall(matches, timeoutMs) {
      const found = calls.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise<FakeGitHubCall>((resolve, reject) => {
        const listener = (call: FakeGitHubCall) => {
          if (!matches(call)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(call);
        };
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`No matching call to the fake GitHub within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(listener);
      });
    },
    close: () => closeServer(server),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const isText = typeof reply.body === "string";
  const headers = { "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8", ...reply.headers };
  res.writeHead(reply.status, headers);
  if (reply.status === 204 || reply.body === undefined) res.end();
  else res.end(isText ? (reply.body as string) : JSON.stringify(reply.body));
}
