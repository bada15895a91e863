import type { TtlCache } from "../github/ttl-cache.js";
import { getOrgRole, listUserInstallationRepos, listUserInstallations, type UserInstallation } from "../github/user-api.js";
import type { ConsoleAccess, ReachableRepo } from "./console-request.js";

/** What GitHub said the user can reach, at one moment. */
export interface AccessSnapshot {
  readonly installations: readonly UserInstallation[];
  readonly repos: readonly ReachableRepo[];
}

/** Never trusted longer than this: a removed collaborator loses the console within seconds. */
export const MAX_ACCESS_CACHE_MS = 10_000;

async function loadSnapshot(apiUrl: string, token: string): Promise<AccessSnapshot> {
  const installations = await listUserInstallations(apiUrl, token);
  const perInstallation = await Promise.all(
    installations.map(async (installation) =>
      (await listUserInstallationRepos(apiUrl, token, installation.id)).map((repo) => ({ installationId: installation.id, repoId: repo.id, fullName: repo.fullName })),
    ),
  );
  return { installations, repos: perInstallation.flat() };
}

export interface AccessOptions {
  readonly apiUrl: string;
  readonly userId: number;
  readonly userToken: () => Promise<string>;
  /** Shared by all requests; keyed by `cacheKey` (the session), with a time to live of at most MAX_ACCESS_CACHE_MS. */
  readonly cache: TtlCache<AccessSnapshot>;
  readonly cacheKey: string;
}

/** The signed-in user's reach, asked of GitHub with their own token, on every request (through the short cache). */
export function createConsoleAccess(options: AccessOptions): ConsoleAccess {
  const snapshot = () => options.cache.get(options.cacheKey, async () => loadSnapshot(options.apiUrl, await options.userToken()));
  return {
    async installationIds() {
      return (await snapshot()).installations.map((installation) => installation.id);
    },
    async canSeeRepo(installationId, repoId) {
      return (await snapshot()).repos.some((repo) => repo.installationId === installationId && repo.repoId === repoId);
    },
    async reachableRepos() {
      return [...(await snapshot()).repos];
    },
    async isInstallationAdmin(installationId) {
      const installation = (await snapshot()).installations.find((candidate) => candidate.id === installationId);
      if (!installation) return false;
      if (installation.account.type === "User") return installation.account.id === options.userId;
      if (installation.account.type !== "Organization") return false;
      return (await getOrgRole(options.apiUrl, await options.userToken(), installation.account.login)) === "admin";
    },
  };
}
