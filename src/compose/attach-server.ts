import type { ApplicationFunctionOptions, Probot } from "probot";
import { installWebhookBodyGuard } from "../server/webhook-body-guard.js";
import type { RouteTable } from "../server/route-table.js";

/**
 * Puts the app's own endpoints on Probot's server, and its guard in front of the webhooks.
 * Probot's server asks every handler after its own webhook route. A Probot without a
 * server (createNodeMiddleware, tests) has an addHandler that throws: whoever runs the
 * HTTP server then serves `httpHandler` itself.
 */
export function attachToProbotServer(app: Probot, appOptions: ApplicationFunctionOptions | undefined, routes: RouteTable): void {
  try {
    appOptions?.addHandler?.(routes.handle);
  } catch {
    app.log.debug("no Probot server: the app's own endpoints are served by the caller");
  }
  // Before Probot's server asks for its webhook middleware: bodies are limited and checked first.
  installWebhookBodyGuard(app);
}
