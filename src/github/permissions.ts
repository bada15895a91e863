import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

export type RepoRole = "admin" | "maintain" | "write" | "triage" | "read" | "none";

const TRIGGER_ROLES: readonly RepoRole[] = ["admin", "maintain", "write"];

/**
 * The sender's role on the repository, from the collaborator-permission API. `role_name`
 * distinguishes maintain and triage, which the legacy `permission` field folds into write and read.
 */
export async function getRepoRole(octokit: GitHubClient, repo: RepoRef, username: string): Promise<RepoRole> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    const role = (data.role_name || data.permission) as string;
    return (["admin", "maintain", "write", "triage", "read"] as const).find((r) => r === role) ?? "none";
  } catch (error) {
    // GitHub answers 404 for someone who is not a collaborator at all.
    if (hasStatus(error, 404)) return "none";
    throw error;
  }
}

export function canTriggerRuns(role: RepoRole): boolean {
  return TRIGGER_ROLES.includes(role);
}
