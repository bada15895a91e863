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

const API_TIMEOUT_MS = 10_000;
/** At most this many pages of 100 are read from one list: 10 000 installations or repositories. */
const MAX_PAGES = 100;

async function getJson(url: string, token: string): Promise<{ body: unknown; next: string | null }> {
  const response = await fetch(url, {
    headers: { accept: "application/vnd.github+json", authorization: `Bearer ${token}`, "x-github-api-version": "2022-11-28", "user-agent": "hamster-deliver-console" },
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  if (!response.ok) throw new UserApiError(`GitHub answered ${response.status} to GET ${new URL(url).pathname}`, response.status);
  return { body: await response.json(), next: parseNextLink(response.headers.get("link")) };
}

/** The `rel="next"` address of a Link header, if any. */
export function parseNextLink(link: string | null): string | null {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1]!;
  }
  return null;
}

/** Every page of a paginated list; `pick` takes the items out of one page's body. */
async function getAllPages<T>(firstUrl: string, token: string, pick: (body: unknown) => T[]): Promise<T[]> {
  const items: T[] = [];
  const origin = new URL(firstUrl).origin;
  let url: string | null = firstUrl;
  for (let page = 0; url !== null && page < MAX_PAGES; page++) {
    const { body, next }: { body: unknown; next: string | null } = await getJson(url, token);
    items.push(...pick(body));
    // The user's token goes to the API it was issued for, nowhere a Link header points elsewhere.
    url = next !== null && new URL(next, url).origin === origin ? new URL(next, url).toString() : null;
  }
  return items;
}

export async function getAuthenticatedUser(apiUrl: string, token: string): Promise<{ id: number; login: string }> {
  const { body } = await getJson(`${apiUrl}/user`, token);
  const user = body as { id?: unknown; login?: unknown };
  if (typeof user.id !== "number" || typeof user.login !== "string") throw new UserApiError("GitHub's /user answer has no id and login", 502);
  return { id: user.id, login: user.login };
}

/** The app's installations the user can reach (GET /user/installations, every page). */
export function listUserInstallations(apiUrl: string, token: string): Promise<UserInstallation[]> {
  return getAllPages(`${apiUrl}/user/installations?per_page=100`, token, (body) =>
    ((body as { installations?: { id: number; account: { id: number; login: string; type: string } | null }[] }).installations ?? []).map(
      (installation) => ({
        id: installation.id,
        account: { id: installation.account?.id ?? 0, login: installation.account?.login ?? "", type: installation.account?.type ?? "" },
      }),
    ),
  );
}

/** The repositories of one installation the user can reach (GET /user/installations/{id}/repositories, every page). */
export function listUserInstallationRepos(apiUrl: string, token: string, installationId: number): Promise<UserRepo[]> {
  return getAllPages(`${apiUrl}/user/installations/${installationId}/repositories?per_page=100`, token, (body) =>
    ((body as { repositories?: { id: number; full_name: string }[] }).repositories ?? []).map((repo) => ({ id: repo.id, fullName: repo.full_name })),
  );
}

/** The user's role in an organization ("admin", "member"), or null when not an active member or GitHub does not say. */
export async function getOrgRole(apiUrl: string, token: string, org: string): Promise<string | null> {
  try {
    const { body } = await getJson(`${apiUrl}/user/memberships/orgs/${encodeURIComponent(org)}`, token);
    const membership = body as { state?: string; role?: string };
    return membership.state === "active" && typeof membership.role === "string" ? membership.role : null;
  } catch (error) {
    if (error instanceof UserApiError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  }
}
