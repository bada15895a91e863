import type { Logger } from "probot";
import type { GitHubClient, RepoRef } from "../github/client.js";
import { ensureLabel, listInstallationRepositories, type LabelSpec } from "../github/labels.js";
import type { StopReason } from "../lifecycle/stop-reason.js";
import type { AbortOutcome } from "../lifecycle/worker.js";
import type { RunStore } from "../store/run-store.js";
import { DELIVER_LABEL } from "./trigger-event.js";

/** The label every repository gets when the app is installed on it. */
export const DELIVER_LABEL_SPEC: LabelSpec = {
  name: DELIVER_LABEL,
  color: "e99695",
  description: "Hand this issue to Hamster Deliver: an AI agent works on it and opens a pull request",
};

/** What an `installation` or `installation_repositories` event means for the app. */
export type InstallationEvent =
  /** Repositories to make ready; null: the event did not list them (ask GitHub). */
  | { readonly kind: "added"; readonly installationId: number; readonly repositories: readonly RepoRef[] | null }
  | { readonly kind: "removed"; readonly installationId: number; readonly how: "uninstalled" | "suspended"; readonly account: string; readonly by: string }
  | { readonly kind: "ignore"; readonly why: string };

export interface InstallationPayload {
  action: string;
  installation: { id: number; account?: { login?: string } | null };
  repositories?: { full_name: string }[];
  repositories_added?: { full_name: string }[];
  sender: { login: string };
}

/** Pure: `installation.created|deleted|suspend` and `installation_repositories.added`. */
export function parseInstallationEvent(name: string, payload: InstallationPayload): InstallationEvent {
  const installationId = payload.installation.id;
  if (name === "installation_repositories") {
    if (payload.action !== "added") return { kind: "ignore", why: `installation_repositories.${payload.action}` };
    return { kind: "added", installationId, repositories: toRepoRefs(payload.repositories_added ?? []) };
  }
  if (payload.action === "created") return { kind: "added", installationId, repositories: payload.repositories ? toRepoRefs(payload.repositories) : null };
  if (payload.action === "deleted" || payload.action === "suspend") {
    return {
      kind: "removed",
      installationId,
      how: payload.action === "deleted" ? "uninstalled" : "suspended",
      account: payload.installation.account?.login ?? "the account",
      by: payload.sender.login,
    };
  }
  return { kind: "ignore", why: `installation.${payload.action}` };
}

function toRepoRefs(repositories: readonly { full_name: string }[]): RepoRef[] {
  return repositories.flatMap((r) => {
    const [owner, repo] = r.full_name.split("/");
    return owner && repo ? [{ owner, repo }] : [];
  });
}

export interface LabelOutcome {
  readonly created: string[];
  readonly existing: string[];
  readonly failed: string[];
}

/**
 * Gives each repository the `hamster:deliver` label, one after another: the installation's
 * write limiter (on `octokit`) spaces them out, and one repository refusing does not stop the others.
 */
export async function ensureDeliverLabels(octokit: GitHubClient, repositories: readonly RepoRef[] | null, log: Logger): Promise<LabelOutcome> {
  const outcome: LabelOutcome = { created: [], existing: [], failed: [] };
  for (const repo of repositories ?? (await listInstallationRepositories(octokit))) {
    const name = `${repo.owner}/${repo.repo}`;
    try {
      const result = await ensureLabel(octokit, repo, DELIVER_LABEL_SPEC);
      (result === "created" ? outcome.created : outcome.existing).push(name);
    } catch (error) {
      log.warn({ repo: name, err: error }, `could not create the ${DELIVER_LABEL} label`);
      outcome.failed.push(name);
    }
  }
  log.info(outcome, `${DELIVER_LABEL} label ensured`);
  return outcome;
}

export function renderInstallationGone(event: Extract<InstallationEvent, { kind: "removed" }>): string {
  const what = event.how === "uninstalled" ? `the app was uninstalled from ${event.account}` : `the app's installation on ${event.account} was suspended`;
  return `Cancelled: ${what} by @${event.by}, so Hamster can no longer work on this repository.`;
}

/**
 * Stops every active run of an installation that is gone. GitHub no longer gives the app a
 * token for it, so nothing is published: each run only records its end and the reason.
 */
export function cancelInstallationRuns(
  deps: { runs: RunStore; log: Logger; abort(runId: number, reason: StopReason): AbortOutcome },
  event: Extract<InstallationEvent, { kind: "removed" }>,
): number[] {
  const why = renderInstallationGone(event);
  const cancelled: number[] = [];
  for (const run of deps.runs.listActiveRunsForInstallation(event.installationId)) {
    deps.runs.updateRun(run.id, { cancelledBy: event.by });
    // An executing run ends itself, with this reason; one waiting for a worker never starts.
    if (deps.abort(run.id, { kind: "cancel", by: event.by, why }) !== "executing") {
      deps.runs.transitionRun(run.id, "cancelled", { reason: why, detail: why });
    }
    cancelled.push(run.id);
  }
  if (cancelled.length > 0) deps.log.info({ installationId: event.installationId, runs: cancelled }, "runs cancelled: installation gone");
  return cancelled;
}
