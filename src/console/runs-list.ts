import type { ConsoleRoute } from "./console-request.js";
import type { ConsoleDeps } from "./console-deps.js";

/** GET /hamster/runs: the runs of the repositories the user can reach, newest first, with filters. */
export function createRunsListRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
