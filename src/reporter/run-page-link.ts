import type { AppSettings } from "../config/env.js";

/** The run's page in the web console, as a path on the app's server. */
export function renderRunPagePath(runId: number): string {
  return `/hamster/runs/${runId}`;
}

/**
 * The run page's absolute address under HAMSTER_PUBLIC_URL, for links from GitHub (the check
 * run's details, the status comment); undefined while the console is off (no OAuth credentials).
 */
export function renderRunPageUrl(settings: Pick<AppSettings, "publicUrl" | "oauth">, runId: number): string | undefined {
  return settings.oauth ? `${settings.publicUrl}${renderRunPagePath(runId)}` : undefined;
}
