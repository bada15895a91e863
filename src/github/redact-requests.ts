import type { Redactor } from "../security/redactor.js";
import type { GitHubClient } from "./client.js";

/**
 * Nothing the app sends to GitHub carries a secret: every string of a non-GET request's
 * parameters (comment bodies, check-run output title/summary/text, pull request titles and
 * bodies, GraphQL variables) goes through the redactor before the request is built. The
 * same hook learns the installation tokens GitHub hands out, so their encoded forms (the
 * git Basic header) are redacted from then on too.
 */

/** What a client needs for the hooks. */
export type RedactableClient = Pick<GitHubClient, "hook">;

/** Request options that are not content: the route, the auth headers, fetch's own options. */
const NOT_CONTENT = new Set(["method", "url", "baseUrl", "headers", "request", "mediaType"]);

/** Clients that already redact: a second install must not hook twice. */
const installed = new WeakSet<object>();

function isReadRequest(method: string | undefined): boolean {
  const verb = (method ?? "GET").toUpperCase();
  return verb === "GET" || verb === "HEAD" || verb === "OPTIONS";
}

/** Requests whose answer is a new token (`token` in the response body). */
export function isTokenRequest(url: string | undefined): boolean {
  const path = (url ?? "").split("?")[0] ?? "";
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(path) || /\/applications\/[^/]+\/token(\/scoped)?$/.test(path);
}

/** Redacts the content of the client's writes; installing on a client that already redacts does nothing. */
export function installRedaction(octokit: RedactableClient, redactor: Pick<Redactor, "redactDeep" | "addSecret">): void {
  if (installed.has(octokit)) return;
  installed.add(octokit);
  octokit.hook.before("request", (options) => {
    if (isReadRequest(options.method)) return;
    const params = options as unknown as Record<string, unknown>;
    for (const key of Object.keys(params)) {
      if (!NOT_CONTENT.has(key)) params[key] = redactor.redactDeep(params[key]);
    }
  });
  octokit.hook.after("request", (response, options) => {
    if (!isTokenRequest(options.url)) return;
    const token = (response.data as { token?: unknown } | undefined)?.token;
    if (typeof token === "string") redactor.addSecret(token, { temporary: true });
  });
}

/**
 * The same as an Octokit plugin, for every client Probot constructs:
 * `ProbotOctokit.plugin(createRedactionPlugin(redactor))`.
 */
export function createRedactionPlugin(redactor: Pick<Redactor, "redactDeep" | "addSecret">): (octokit: RedactableClient) => void {
  return (octokit) => installRedaction(octokit, redactor);
}
