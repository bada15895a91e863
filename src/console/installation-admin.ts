import type { GitHubClient } from "../github/client.js";
import { getRepoRole } from "../github/permissions.js";
import type { ConsoleContext, ReachableRepo } from "./console-request.js";

/**
 * Who may change an installation's settings (its provider key, its defaults): an admin of
 * the installation's account (the user account itself, an owner of the organization), or an
 * admin of its repository — of every repository it covers. The settings hold for all of
 * them: someone who administers one repository of an organization's installation must not
 * replace the key every other repository's runs use.
 */

/** Past this many repositories an installation is an organization's: only its owners administer it. */
export const MAX_REPOSITORIES_FOR_REPO_ADMINS = 20;

export interface InstallationAdminSources {
  /** The app's own client for the installation: which repositories it covers, and who administers each. */
  getOctokit(installationId: number): Promise<GitHubClient>;
}

export async function canAdministerInstallation(sources: InstallationAdminSources, ctx: ConsoleContext, installationId: number): Promise<boolean> {
  if (await ctx.access.isInstallationAdmin(installationId)) return true;
  const reachable = (await ctx.access.reachableRepos()).filter((repo) => repo.installationId === installationId);
  if (reachable.length === 0 || reachable.length > MAX_REPOSITORIES_FOR_REPO_ADMINS) return false;
  const octokit = await sources.getOctokit(installationId);
  if (!(await coversOnly(octokit, reachable))) return false;
  const roles = await Promise.all(reachable.map((repo) => getRepoRole(octokit, splitFullName(repo), ctx.user.login)));
  return roles.every((role) => role === "admin");
}

/** Whether the installation covers exactly the repositories the user can reach (GitHub's count, then the ids). */
async function coversOnly(octokit: GitHubClient, reachable: readonly ReachableRepo[]): Promise<boolean> {
  const { data } = await octokit.rest.apps.listReposAccessibleToInstallation({ per_page: 100 });
  if (data.total_count !== reachable.length) return false;
  const ids = new Set(reachable.map((repo) => repo.repoId));
  return data.repositories.every((repo) => ids.has(repo.id));
}

function splitFullName(repo: ReachableRepo): { owner: string; repo: string } {
  const [owner = "", name = ""] = repo.fullName.split("/");
  return { owner, repo: name };
}
