import { ProbotOctokit } from "probot";
import type { Redactor } from "../security/redactor.js";
import { createRedactionPlugin } from "./redact-requests.js";

/** A request function as @octokit/request exports it: it can make a copy with other defaults. */
type RequestWithDefaults = ((...args: never[]) => unknown) & { defaults(options: { baseUrl: string }): unknown };

function hasDefaults(value: unknown): value is RequestWithDefaults {
  return typeof value === "function" && typeof (value as { defaults?: unknown }).defaults === "function";
}

/**
 * Sends the app's own token requests (`POST /app/installations/{id}/access_tokens`) to the
 * Octokit's `baseUrl`. Probot gives the app authentication a request function without a
 * base URL, and @octokit/auth-app uses it whenever a token is asked for outside a REST call
 * (`octokit.auth({ type: "installation" })`, the token git needs): on GitHub Enterprise
 * Server that request went to api.github.com. Every Octokit Probot builds (the app's, each
 * installation's, each event's) passes through here, because they are all constructed from
 * the class handed to Probot.
 */
export function routeTokenRequests(options: Record<string, unknown>): Record<string, unknown> {
  const { baseUrl, auth } = options;
  if (typeof baseUrl !== "string" || typeof auth !== "object" || auth === null) return options;
  const request = (auth as { request?: unknown }).request;
  if (!hasDefaults(request)) return options;
  return { ...options, auth: { ...auth, request: request.defaults({ baseUrl }) } };
}

/** Probot's Octokit with token requests on the right host: the base of every Octokit class the app hands to Probot. */
export const AppOctokit = ProbotOctokit.defaults(routeTokenRequests);

/**
 * The Octokit class `npm start` hands to Probot: AppOctokit, with every request's text
 * redacted, and a secondary rate limit retried twice (after GitHub's retry-after) where
 * Probot's default only logs it.
 */
export function createProductionOctokit(redactor: Pick<Redactor, "redactDeep" | "addSecret">) {
  return AppOctokit.plugin(createRedactionPlugin(redactor)).defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), onSecondaryRateLimit: (_after: number, _o: unknown, _k: unknown, retryCount: number) => retryCount < 2 },
  }));
}
