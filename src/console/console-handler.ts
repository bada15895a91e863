import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "probot";
import { readRequestBody } from "../http/read-request-body.js";
import { createTtlCache } from "../github/ttl-cache.js";
import { UserApiError } from "../github/user-api.js";
import type { OAuthApp } from "../github/user-oauth.js";
import type { ConsoleSession, ConsoleSessionStore } from "../store/console-session-store.js";
import type { HttpHandler } from "../server/route-table.js";
import { ASSET_PREFIX, serveAsset } from "./console-assets.js";
import { createConsoleAccess, MAX_ACCESS_CACHE_MS, type AccessSnapshot } from "./console-access.js";
import { ConsoleNotFound, type ConsoleContext, type ConsoleRoute } from "./console-request.js";
import { securityHeaders, sendMessage, sendNotFound } from "./console-view.js";
import { readSessionCookie } from "./session-cookie.js";
import { finishSignIn, signOut, startSignIn, type SignInOptions } from "./sign-in.js";
import { ConsoleSessionEnded, createUserTokenSource } from "./user-token.js";

export interface ConsoleHandlerOptions {
  readonly oauth: OAuthApp;
  /** The GitHub API the app talks to: https://api.github.com, or `…/api/v3` on a GHES. */
  readonly apiUrl: string;
  /** HAMSTER_PUBLIC_URL without a trailing slash: the OAuth callback, and whether the cookie is Secure. */
  readonly publicUrl: string;
  readonly sessions: ConsoleSessionStore;
  /** The feature pages (console-routes.ts). */
  readonly routes: readonly ConsoleRoute[];
  readonly log: Logger;
  readonly now?: () => Date;
  /** How long what GitHub said a user can reach is trusted; capped at 10 s. */
  readonly accessCacheMs?: number;
}

/** A form body larger than this is refused: the console's forms hold a few short fields. */
const MAX_FORM_BYTES = 64 * 1024;

interface CompiledRoute {
  readonly route: ConsoleRoute;
  readonly regex: RegExp;
  readonly names: readonly string[];
}

/** `/hamster/runs/:id` → a regex with one group per `:name`, each one path segment. */
export function compilePattern(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${source}$`), names };
}

function matchRoute(routes: readonly CompiledRoute[], method: string, path: string): { route: ConsoleRoute; params: Record<string, string> } | undefined {
  for (const { route, regex, names } of routes) {
    if (route.method !== method) continue;
    const match = regex.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    try {
      names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1]!)));
    } catch {
      return undefined;
    }
    return { route, params };
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The console's one entry on the app's server: everything under /hamster. Static assets and the
 * sign-in routes need no session; every other route gets the signed-in session (or a redirect to
 * sign in; 401 for an event stream), its CSRF token checked on every POST, and the user's reach
 * as GitHub states it. Pages throw ConsoleNotFound for what is out of reach: 404, like what does not exist.
 */
export function createConsoleHandler(options: ConsoleHandlerOptions): HttpHandler {
  const now = options.now ?? (() => new Date());
  const routes: CompiledRoute[] = options.routes.map((route) => ({ route, ...compilePattern(route.pattern) }));
  const accessCache = createTtlCache<AccessSnapshot>(Math.min(options.accessCacheMs ?? MAX_ACCESS_CACHE_MS, MAX_ACCESS_CACHE_MS), 10_000, () => now().getTime());
  const getUserToken = createUserTokenSource({ oauth: options.oauth, sessions: options.sessions, now });
  const signIn: SignInOptions = { oauth: options.oauth, apiUrl: options.apiUrl, publicUrl: options.publicUrl, sessions: options.sessions, log: options.log, now };

  function findSignedIn(request: IncomingMessage): ConsoleSession | undefined {
    const id = readSessionCookie(request);
    const session = id ? options.sessions.findSession(id) : undefined;
    return session?.user ? session : undefined;
  }

  /** The form fields of a POST, or undefined when the answer was sent here (too large, aborted). */
  async function readForm(request: IncomingMessage, response: ServerResponse): Promise<URLSearchParams | undefined> {
    const body = await readRequestBody(request, MAX_FORM_BYTES);
    if (body.kind === "aborted") return undefined;
    if (body.kind === "too_large") {
      response.writeHead(413, { ...securityHeaders(), "content-type": "text/plain; charset=utf-8", connection: "close" }).end("The form is too large.");
      return undefined;
    }
    const type = String(request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    return type === "application/x-www-form-urlencoded" ? new URLSearchParams(body.bytes.toString("utf8")) : new URLSearchParams();
  }

  /** The token from the hidden field `csrf`, or from the `x-hamster-csrf` header (the console's own script). */
  function hasCsrf(session: ConsoleSession, request: IncomingMessage, form: URLSearchParams): boolean {
    const header = request.headers["x-hamster-csrf"];
    const given = form.get("csrf") ?? (typeof header === "string" ? header : null);
    return given !== null && sameText(given, session.csrf);
  }

  function askToSignIn(request: IncomingMessage, response: ServerResponse, url: URL, stream: boolean): void {
    if (stream || request.method !== "GET") {
      response.writeHead(401, { ...securityHeaders(), "content-type": "text/plain; charset=utf-8" }).end("Sign in first.");
      return;
    }
    const login = `/hamster/login?next=${encodeURIComponent(url.pathname + url.search)}`;
    response.writeHead(303, { ...securityHeaders(), location: login }).end();
  }

  function buildContext(session: ConsoleSession & { user: NonNullable<ConsoleSession["user"]> }, url: URL, form: URLSearchParams): ConsoleContext {
    let token: Promise<string> | undefined;
    const userToken = () => (token ??= getUserToken(session));
    return {
      user: session.user,
      csrf: session.csrf,
      access: createConsoleAccess({ apiUrl: options.apiUrl, userId: session.user.id, userToken, cache: accessCache, cacheKey: session.id }),
      userToken,
      url,
      form,
    };
  }

  async function handleRoute(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method === "HEAD" ? "GET" : (request.method ?? "GET");
    const matched = matchRoute(routes, method, url.pathname);
    if (!matched) {
      // Drain a body nobody will read, then say so.
      request.resume();
      return sendNotFound(response, null);
    }
    const session = findSignedIn(request);
    if (!session?.user) {
      request.resume();
      return askToSignIn(request, response, url, matched.route.stream === true);
    }
    let form = new URLSearchParams();
    if (method === "POST") {
      const read = await readForm(request, response);
      if (read === undefined) return;
      form = read;
    }
    if ((method === "POST" || matched.route.needsCsrf) && !hasCsrf(session, request, method === "POST" ? form : url.searchParams)) {
      return sendMessage(response, null, 403, "Refused", "This form has expired or did not come from the console. Reload the page and try again.");
    }
    const ctx = buildContext({ ...session, user: session.user }, url, form);
    try {
      await matched.route.handle(ctx, request, response, matched.params);
    } catch (error) {
      if (response.headersSent) {
        options.log.error({ err: error, path: url.pathname }, "console page failed after answering");
        response.destroy();
        return;
      }
      if (error instanceof ConsoleNotFound) return sendNotFound(response, ctx);
      if (error instanceof ConsoleSessionEnded || (error instanceof UserApiError && error.status === 401)) {
        options.sessions.deleteSession(session.id);
        return askToSignIn(request, response, url, matched.route.stream === true);
      }
      options.log.error({ err: error, path: url.pathname }, "console page failed");
      sendMessage(response, ctx, 500, "Something went wrong", "The page could not be shown. Try again in a moment.");
    }
  }

  async function handleSignOut(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const session = findSignedIn(request);
    const form = await readForm(request, response);
    if (form === undefined) return;
    if (!session || !hasCsrf(session, request, form)) {
      return sendMessage(response, null, 403, "Refused", "This form has expired or did not come from the console. Reload the page and try again.");
    }
    signOut(signIn, response, session.id);
  }

  return async function handleConsole(request, response) {
    const url = new URL(request.url ?? "/", "http://console.invalid");
    const path = url.pathname;
    if (path !== "/hamster" && !path.startsWith("/hamster/")) return false;
    if (path.startsWith(ASSET_PREFIX)) {
      serveAsset(request, response, path.slice(ASSET_PREFIX.length));
      return true;
    }
    const method = request.method ?? "GET";
    if ((path === "/hamster" || path === "/hamster/") && (method === "GET" || method === "HEAD")) {
      response.writeHead(303, { ...securityHeaders(), location: "/hamster/runs" }).end();
    } else if (path === "/hamster/login" && method === "GET") {
      startSignIn(signIn, response, url.searchParams.get("next"));
    } else if (path === "/hamster/auth/callback" && method === "GET") {
      await finishSignIn(signIn, request, response, url);
    } else if (path === "/hamster/logout" && method === "POST") {
      await handleSignOut(request, response);
    } else {
      await handleRoute(request, response, url);
    }
    return true;
  };
}

/** The console of an app without OAuth credentials: every page says what it needs (the assets still load). */
export function createConsoleUnavailableHandler(): HttpHandler {
  return function handleUnavailableConsole(request, response) {
    const path = new URL(request.url ?? "/", "http://console.invalid").pathname;
    if (path !== "/hamster" && !path.startsWith("/hamster/")) return false;
    if (path.startsWith(ASSET_PREFIX)) {
      serveAsset(request, response, path.slice(ASSET_PREFIX.length));
      return true;
    }
    request.resume();
    sendMessage(
      response,
      null,
      503,
      "The console is not set up",
      "The web console signs people in with the app's OAuth credentials. Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET " +
        "(the client id and a client secret of the GitHub App; Probot's manifest setup writes them to .env) and restart the app.",
    );
    return true;
  };
}
