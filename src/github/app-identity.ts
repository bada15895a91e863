import type { GitHubClient } from "./client.js";

/** Who the app is on this GitHub: its id (on the check runs it creates) and its slug (its `@` handle). */
export interface AppIdentity {
  readonly id: number;
  readonly slug: string;
}

/** `GET /app`, with the app's own (JWT) client, not an installation's. */
export async function getAppIdentity(appOctokit: GitHubClient): Promise<AppIdentity> {
  const { data } = await appOctokit.rest.apps.getAuthenticated();
  if (!data) throw new Error("GitHub did not describe the app (GET /app)");
  return { id: data.id, slug: data.slug ?? "" };
}
