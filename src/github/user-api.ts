import { createUserOctokit, type UserOctokit } from "./user-octokit.js";

/**
 * The few GitHub API calls the console makes with the signed-in user's own token: who they
 * are, and which of the app's installations and repositories GitHub lets them reach.
 */

export interface UserInstallation {
  readonly id: number;
  readonly account: { readonly id: number; readonly login: string; readonly type: string };
}

export interface UserRepo {
  readonly id: number;
  readonly fullName: string;
}

/** GitHub answered the user's request with an error status (401: the token is no longer good). */
export class UserApiError extends Error {
  override readonly name = "UserApiError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** At most this many pages of 100 are read from one list: 10 000 installations or repositories. */
export const MAX_PAGES = 100;

/**
 * Runs one call of the user's; an error status GitHub answered becomes a UserApiError. A request
 * that got no answer (unreachable, timed out) fails as Octokit failed it.
 */
async function callAsUser<T>(apiUrl: string, token: string, what: string, call: (octokit: UserOctokit) => Promise<T>): Promise<T> {
  try {
    return await call(createUserOctokit(apiUrl, { token }));
  } catch (error) {
    const failure = error as { status?: unknown; response?: unknown };
    if (typeof error === "object" && error !== null && failure.response !== undefined && typeof failure.status === "number") {
      throw new UserApiError(`GitHub answered ${failure.status} to GET ${what}`, failure.status);
    }
    throw error;
  }
}

/** The `rel="next"` address of a Link header, if any. */
function findNextLink(link: string | undefined): string | undefined {
  return /<([^<>]+)>;\s*rel="next"/.exec(link ?? "")?.[1];
}

/**
 * Octokit's `paginate` map function that stops a list after MAX_PAGES, and before a page whose
 * address is not on the API's own origin: the user's token goes nowhere a Link header points elsewhere.
 */
function boundPages(apiUrl: string) {
  const origin = new URL(apiUrl).origin;
  let pages = 0;
  return <T>(response: { data: T[]; headers: { link?: string } }, done: () => void): T[] => {
    pages += 1;
    const next = findNextLink(response.headers.link);
    if (pages >= MAX_PAGES || (next !== undefined && new URL(next, apiUrl).origin !== origin)) done();
    return response.data;
  };
}

export function getAuthenticatedUser(apiUrl: string, token: string): Promise<{ id: number; login: string }> {
  return callAsUser(apiUrl, token, "/user", async (octokit) => {
    const user: { id?: unknown; login?: unknown } = (await octokit.rest.users.getAuthenticated()).data;
    if (typeof user.id !== "number" || typeof user.login !== "string") throw new UserApiError("GitHub's /user answer has no id and login", 502);
    return { id: user.id, login: user.login };
  });
}

/** The app's installations the user can reach (GET /user/installations, every page). */
export function listUserInstallations(apiUrl: string, token: string): Promise<UserInstallation[]> {
  return callAsUser(apiUrl, token, "/user/installations", async (octokit) => {
    const installations = await octokit.paginate(octokit.rest.apps.listInstallationsForAuthenticatedUser, { per_page: 100 }, boundPages(apiUrl));
    return installations.map((installation) => {
      // An enterprise account has a slug and no login or type; the console only knows users and organizations.
      const account: { id?: number; login?: string; type?: string } = installation.account ?? {};
      return { id: installation.id, account: { id: account.id ?? 0, login: account.login ?? "", type: account.type ?? "" } };
    });
  });
}

/** The repositories of one installation the user can reach (GET /user/installations/{id}/repositories, every page). */
export function listUserInstallationRepos(apiUrl: string, token: string, installationId: number): Promise<UserRepo[]> {
  return callAsUser(apiUrl, token, `/user/installations/${installationId}/repositories`, async (octokit) => {
    const repos = await octokit.paginate(
      octokit.rest.apps.listInstallationReposForAuthenticatedUser,
      { installation_id: installationId, per_page: 100 },
      boundPages(apiUrl),
    );
    return repos.map((repo) => ({ id: repo.id, fullName: repo.full_name }));
  });
}

/** The user's role in an organization ("admin", "member"), or null when not an active member or GitHub does not say. */
export async function getOrgRole(apiUrl: string, token: string, org: string): Promise<string | null> {
  try {
    const membership: { state?: string; role?: string } = await callAsUser(
      apiUrl,
      token,
      `/user/memberships/orgs/${org}`,
      async (octokit) => (await octokit.rest.orgs.getMembershipForAuthenticatedUser({ org })).data,
    );
    return membership.state === "active" && typeof membership.role === "string" ? membership.role : null;
  } catch (error) {
    if (error instanceof UserApiError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  }
}
