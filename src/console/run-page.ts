import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Run } from "../domain/run.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { handleCheckRunEvent } from "../intake/control-runs.js";
import type { ConsoleDeps } from "./console-deps.js";
import type { ConsoleContext, ConsoleRoute } from "./console-request.js";
import { securityHeaders, sendMessage, sendPage } from "./console-view.js";
import { createRunDiffRoute } from "./run-diff-page.js";
import { createRunEventsRoute } from "./run-events-stream.js";
import { buildRunPageData, listRunActions, renderRunPath, runPageView } from "./run-page-view.js";
import { findVisibleRun, readRunLog, readRunPageState } from "./visible-run.js";

/**
 * The run page and what hangs off it: GET /hamster/runs/:id, its live events, its diff, and
 * POST /hamster/runs/:id/cancel and /retry (the router has checked the CSRF token).
 */

/**
 * Whether the signed-in user may cancel and retry the run: write access to its repository, the
 * rule of the check run's buttons and of /cancel, asked of GitHub with the installation's token.
 */
async function canControlRun(deps: Pick<ConsoleDeps, "admit" | "getOctokit">, run: Run, login: string): Promise<boolean> {
  const octokit = await deps.getOctokit(run.installationId);
  const role = await (deps.admit.getRole ?? getRepoRole)(octokit, { owner: run.repoOwner, repo: run.repoName }, login);
  return canTriggerRuns(role);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...securityHeaders(), location }).end();
}

async function showRunPage(deps: ConsoleDeps, ctx: ConsoleContext, response: ServerResponse, params: Record<string, string>): Promise<void> {
  const run = await findVisibleRun(deps.runs, ctx, params["id"]);
  // The buttons are a convenience: if GitHub cannot say now, they are left out (the action checks again).
  const canControl = await canControlRun(deps, run, ctx.user.login).catch((error: unknown) => {
    deps.log.warn({ runId: run.id, err: error }, "could not look up the viewer's role for the run page");
    return false;
  });
  // The log first: the live stream resumes after its last row, and the parts are drawn at least as new.
  const events = readRunLog(deps.events, run.id);
  const data = buildRunPageData(readRunPageState(deps, run.id), events, { csrf: ctx.csrf, canControl });
  sendPage(response, ctx, { title: `Run #${run.id}`, view: runPageView, data, styles: ["run-page.css"], scripts: ["run-page.js"] });
}

/** Cancel or Retry from the page: the check run buttons' own path (intake), as the signed-in user. */
async function controlRun(deps: ConsoleDeps, ctx: ConsoleContext, response: ServerResponse, params: Record<string, string>, action: "cancel" | "retry"): Promise<void> {
  const run = await findVisibleRun(deps.runs, ctx, params["id"]);
  if (!(await canControlRun(deps, run, ctx.user.login))) {
    return sendMessage(response, ctx, 403, "Not allowed", `Cancelling and retrying runs of ${run.repoOwner}/${run.repoName} needs write access to the repository.`);
  }
  // A button the page no longer shows (the run ended, or a retry started meanwhile): back to what is now.
  if (!listRunActions(run).includes(action)) return redirect(response, renderRunPath(run.id));
  const octokit = await deps.getOctokit(run.installationId);
  const outcome = await handleCheckRunEvent(deps.admit, octokit, {
    deliveryId: `console-${randomUUID()}`,
    installationId: run.installationId,
    sender: { id: ctx.user.id, login: ctx.user.login, isBot: false },
    repoId: run.repoId,
    action,
    runId: run.id,
  });
  deps.log.info({ runId: run.id, action, by: ctx.user.login, outcome: outcome.outcome }, "run controlled from the console");
  redirect(response, renderRunPath(outcome.outcome === "queued" ? outcome.run.id : run.id));
}

export function createRunPageRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    { method: "GET", pattern: "/hamster/runs/:id", handle: (ctx, _request, response, params) => showRunPage(deps, ctx, response, params) },
    createRunEventsRoute(deps),
    createRunDiffRoute(deps),
    { method: "POST", pattern: "/hamster/runs/:id/cancel", handle: (ctx, _request, response, params) => controlRun(deps, ctx, response, params, "cancel") },
    { method: "POST", pattern: "/hamster/runs/:id/retry", handle: (ctx, _request, response, params) => controlRun(deps, ctx, response, params, "retry") },
  ];
}
