import type { ConsoleDeps } from "./console-deps.js";
import type { ConsoleRoute } from "./console-request.js";
import { createInstallationSettingsRoutes } from "./installation-settings.js";
import { createRunPageRoutes } from "./run-page.js";
import { createRunsListRoutes } from "./runs-list.js";

/**
 * Every console page and action besides sign-in, sign-out and the static assets (console-handler.ts).
 * One line per feature; a route's pattern is matched in this order.
 */
export function createConsoleRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    ...createRunsListRoutes(deps),
    ...createInstallationSettingsRoutes(deps),
    ...createRunPageRoutes(deps),
  ];
}
