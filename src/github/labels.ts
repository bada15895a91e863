import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

export interface LabelSpec {
  readonly name: string;
  /** Six hex digits, without the `#`. */
  readonly color: string;
  /** At most 100 characters (GitHub's limit). */
  readonly description: string;
}

/**
 * Creates the label unless the repository has it already. One request either way: GitHub
 * answers 422 `already_exists` for a name it knows (in any case), and a label someone
 * created or recoloured by hand is left as it is.
 */
export async function ensureLabel(octokit: GitHubClient, repo: RepoRef, label: LabelSpec): Promise<"created" | "exists"> {
  try {
    await octokit.rest.issues.createLabel({ ...repo, name: label.name, color: label.color, description: label.description });
    return "created";
  } catch (error) {
    if (hasStatus(error, 422) && isAlreadyExists(error)) return "exists";
    throw error;
  }
}

function isAlreadyExists(error: unknown): boolean {
  const errors = (error as { response?: { data?: { errors?: { code?: string }[] } } }).response?.data?.errors;
  return Array.isArray(errors) && errors.some((e) => e.code === "already_exists");
}

/** The repositories the installation can reach, for an `installation` event that does not list them. */
export async function listInstallationRepositories(octokit: GitHubClient): Promise<RepoRef[]> {
  const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  return repositories.map((r) => ({ owner: r.owner.login, repo: r.name }));
}
