import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, readBody } from "../../bench/lib/http.js";
import { fakeChars } from "../security/fake-secrets.js";

/**
 * A GitHub Enterprise Server, as far as the web console's sign-in sees one: a real HTTP server on
 * 127.0.0.1 serving the OAuth web flow (authorize consents at once, as the user `signInAs` names)
 * and the user API (/api/v3/user, /user/installations, their repositories, org memberships), from
 * a configurable world of users → installations → repositories. The app reaches it as GHE_HOST.
 */

export interface FakeInstallation {
  readonly id: number;
  readonly account: { readonly id: number; readonly login: string; readonly type: "User" | "Organization" };
  readonly repos: readonly { readonly id: number; readonly fullName: string }[];
}

export interface FakeUser {
  readonly id: number;
  readonly login: string;
  /** The installations GitHub says this user can reach, and in each the repositories (all of them when absent). */
  readonly installations: readonly { readonly id: number; readonly repoIds?: readonly number[] }[];
  /** Organizations the user is an owner of. */
  readonly orgAdminOf?: readonly string[];
}

export interface FakeGitHubOAuthOptions {
  readonly users: readonly FakeUser[];
  readonly installations: readonly FakeInstallation[];
  /** Seconds an access token lives (GitHub's user-to-server tokens: 8 hours); 0: it never expires. */
  readonly tokenLifetimeSeconds?: number;
  /** Items per page of the lists, whatever per_page asks (small ones test pagination). */
  readonly pageSize?: number;
}

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  /** The login the request's token belongs to, if any. */
  readonly login?: string;
}

export interface FakeGitHubOAuth {
  /** http://127.0.0.1:port */
  readonly url: string;
  /** 127.0.0.1:port, for GHE_HOST (with GHE_PROTOCOL=http). */
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The user the next authorization signs in. */
  signInAs(login: string): void;
  /** Changes what a user can reach from now on. */
  setUserInstallations(login: string, installations: FakeUser["installations"]): void;
  /** Makes every token of the user expire now (a refresh token still works). */
  expireTokens(login: string): void;
  readonly calls: FakeCall[];
  close(): Promise<void>;
}

interface Grant {
  readonly login: string;
  readonly redirectUri: string;
}

interface TokenRecord {
  readonly login: string;
  readonly expiresAt: number | null;
}

export async function startFakeGitHubOAuth(options: FakeGitHubOAuthOptions): Promise<FakeGitHubOAuth> {
  const clientId = `Iv1.${fakeChars("oauth-client-id", 16)}`;
  const clientSecret = fakeChars("oauth-client-secret", 40);
  const users = new Map(options.users.map((user) => [user.login, { ...user }]));
  const installations = new Map(options.installations.map((installation) => [installation.id, installation]));
  const codes = new Map<string, Grant>();
  const accessTokens = new Map<string, TokenRecord>();
  const refreshTokens = new Map<string, string>();
  const lifetime = options.tokenLifetimeSeconds ?? 8 * 3600;
  const pageSize = options.pageSize ?? 100;
  const calls: FakeCall[] = [];
  let consenting: string | undefined = options.users[0]?.login;
  let url = "";

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    void response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

  function issueTokens(login: string) {
    const accessToken = `ghu_${randomBytes(18).toString("hex")}`;
    const refreshToken = `ghr_${randomBytes(18).toString("hex")}`;
    accessTokens.set(accessToken, { login, expiresAt: lifetime > 0 ? Date.now() + lifetime * 1000 : null });
    refreshTokens.set(refreshToken, login);
    return {
      access_token: accessToken,
      token_type: "bearer",
      scope: "",
      ...(lifetime > 0 ? { expires_in: lifetime, refresh_token: refreshToken, refresh_token_expires_in: 15_897_600 } : {}),
    };
  }

  function authorize(request: URL, response: ServerResponse) {
    const redirectUri = request.searchParams.get("redirect_uri");
    const state = request.searchParams.get("state");
    if (request.searchParams.get("client_id") !== clientId || !redirectUri || !consenting) return send(response, 400, { error: "bad authorize request" });
    const code = randomBytes(10).toString("hex");
    codes.set(code, { login: consenting, redirectUri });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    if (state !== null) back.searchParams.set("state", state);
    response.writeHead(302, { location: back.toString() }).end();
  }

  async function accessToken(request: IncomingMessage, response: ServerResponse) {
    const text = await readBody(request);
    const form = String(request.headers["content-type"]).includes("json") ? new URLSearchParams(JSON.parse(text) as Record<string, string>) : new URLSearchParams(text);
    // GitHub answers 200 with an error field when it refuses.
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) return send(response, 200, { error: "incorrect_client_credentials" });
    if (form.get("grant_type") === "refresh_token") {
      const login = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!login) return send(response, 200, { error: "bad_refresh_token" });
      refreshTokens.delete(form.get("refresh_token")!);
      return send(response, 200, issueTokens(login));
    }
    const grant = codes.get(form.get("code") ?? "");
    codes.delete(form.get("code") ?? "");
    if (!grant) return send(response, 200, { error: "bad_verification_code" });
    if (form.get("redirect_uri") !== null && form.get("redirect_uri") !== grant.redirectUri) return send(response, 200, { error: "redirect_uri_mismatch" });
    send(response, 200, issueTokens(grant.login));
  }

  function page<T>(response: ServerResponse, request: URL, items: readonly T[], wrap: (items: T[], total: number) => unknown) {
    const number = Math.max(1, Number(request.searchParams.get("page") ?? "1"));
    const slice = items.slice((number - 1) * pageSize, number * pageSize);
    const headers: Record<string, string> = {};
    if (number * pageSize < items.length) {
      const next = new URL(request.toString());
      next.searchParams.set("page", String(number + 1));
      headers["link"] = `<${url}${next.pathname}${next.search}>; rel="next"`;
    }
    send(response, 200, wrap(slice, items.length), headers);
  }

  function userApi(request: IncomingMessage, address: URL, response: ServerResponse, login: string) {
    const user = users.get(login)!;
    const path = address.pathname.replace(/^\/api\/v3/, "");
    if (path === "/user") return send(response, 200, { id: user.id, login: user.login, type: "User" });
    if (path === "/user/installations") {
      const reachable = user.installations.map((grant) => installations.get(grant.id)).filter((found) => found !== undefined);
      return page(response, address, reachable, (items, total) => ({
        total_count: total,
        installations: items.map((installation) => ({ id: installation.id, account: installation.account })),
      }));
    }
    const repos = /^\/user\/installations\/(\d+)\/repositories$/.exec(path);
    if (repos) {
      const grant = user.installations.find((candidate) => candidate.id === Number(repos[1]));
      const installation = installations.get(Number(repos[1]));
      if (!grant || !installation) return send(response, 404, { message: "Not Found" });
      const visible = installation.repos.filter((repo) => grant.repoIds === undefined || grant.repoIds.includes(repo.id));
      return page(response, address, visible, (items, total) => ({
        total_count: total,
        repositories: items.map((repo) => ({ id: repo.id, full_name: repo.fullName, name: repo.fullName.split("/")[1] })),
      }));
    }
    const membership = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(path);
    if (membership) {
      const org = decodeURIComponent(membership[1]!);
      const member = user.installations.some((grant) => installations.get(grant.id)?.account.login === org);
      if (!member) return send(response, 404, { message: "Not Found" });
      return send(response, 200, { state: "active", role: user.orgAdminOf?.includes(org) ? "admin" : "member", organization: { login: org } });
    }
    void request;
    send(response, 404, { message: "Not Found" });
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const address = new URL(request.url ?? "/", url);
    const bearer = /^(?:Bearer|token) (.+)$/i.exec(String(request.headers.authorization ?? ""))?.[1];
    const token = bearer ? accessTokens.get(bearer) : undefined;
    calls.push({ method: request.method ?? "GET", path: address.pathname, ...(token ? { login: token.login } : {}) });
    if (request.method === "GET" && address.pathname === "/login/oauth/authorize") return authorize(address, response);
    if (request.method === "POST" && address.pathname === "/login/oauth/access_token") return accessToken(request, response);
    if (address.pathname.startsWith("/api/v3/")) {
      if (!token || (token.expiresAt !== null && token.expiresAt <= Date.now())) return send(response, 401, { message: "Bad credentials" });
      return userApi(request, address, response, token.login);
    }
    send(response, 404, { message: "Not Found" });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const port = await listenOnLoopback(server);
  url = `http://127.0.0.1:${port}`;

  return {
    url,
    host: `127.0.0.1:${port}`,
    clientId,
    clientSecret,
    signInAs(login) {
      if (!users.has(login)) throw new Error(`No fake user ${login}`);
      consenting = login;
    },
    setUserInstallations(login, grants) {
      const user = users.get(login);
      if (!user) throw new Error(`No fake user ${login}`);
      users.set(login, { ...user, installations: grants });
    },
    expireTokens(login) {
      for (const [token, record] of accessTokens) if (record.login === login) accessTokens.set(token, { login, expiresAt: Date.now() - 1 });
    },
    calls,
    close: () => closeServer(server),
  };
}
