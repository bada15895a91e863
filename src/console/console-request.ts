import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What every console page receives: who is signed in, what they can reach, and the session's
 * CSRF token. The router (console-handler.ts) builds it per request; pages never see the session.
 */

/** The signed-in GitHub user. */
export interface ConsoleUser {
  readonly id: number;
  readonly login: string;
}

/** A repository the signed-in user can reach through one of the app's installations. */
export interface ReachableRepo {
  readonly installationId: number;
  readonly repoId: number;
  /** owner/name as GitHub spells it now. */
  readonly fullName: string;
}

/**
 * What GitHub says the signed-in user can reach, asked with their own token (GET /user/installations
 * and each installation's repositories), for at most a few seconds old. Anything else is answered 404.
 */
export interface ConsoleAccess {
  installationIds(): Promise<number[]>;
  canSeeRepo(installationId: number, repoId: number): Promise<boolean>;
  reachableRepos(): Promise<ReachableRepo[]>;
  /** An admin of the installation's account: the user account itself, or an owner of the organization. */
  isInstallationAdmin(installationId: number): Promise<boolean>;
}

export interface ConsoleContext {
  readonly user: ConsoleUser;
  /** The session's CSRF token: put it in every form as the hidden field `csrf`. */
  readonly csrf: string;
  readonly access: ConsoleAccess;
  /** The user's own user-to-server token (refreshed when it expired); never put it in a page. */
  userToken(): Promise<string>;
  /** The request's address, parsed (query parameters in `url.searchParams`). */
  readonly url: URL;
  /** A POST's form fields (application/x-www-form-urlencoded), read by the router to check `csrf`; empty on a GET. */
  readonly form: URLSearchParams;
}

/** A page or an action; `params` holds the route's `:name` parts, already URL-decoded. */
export type ConsolePage = (ctx: ConsoleContext, request: IncomingMessage, response: ServerResponse, params: Record<string, string>) => Promise<void>;

export interface ConsoleRoute {
  readonly method: "GET" | "POST";
  /** A path under the app, e.g. `/hamster/runs/:id`; a `:name` part matches one path segment. */
  readonly pattern: string;
  readonly handle: ConsolePage;
  /** Every POST needs the CSRF token, always; true requires it on a GET as well. */
  readonly needsCsrf?: boolean;
  /** An event stream: without a session it is answered 401 instead of a redirect to sign in. */
  readonly stream?: boolean;
}

/** A page throws it when what was asked for is out of the user's reach or does not exist: answered 404, the same for both. */
export class ConsoleNotFound extends Error {
  override readonly name = "ConsoleNotFound";
  constructor(what = "Not found") {
    super(what);
  }
}
