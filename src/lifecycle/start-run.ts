import type { AgentProvider } from "../agent/provider.js";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import { RunFailure } from "../domain/run-failure.js";
import { checkSandbox } from "../sandbox/check-sandbox.js";
import type { RunStore } from "../store/run-store.js";
import { renderWorkBranch } from "../workspace/branch-name.js";
import { prepareCheckout, type PreparedCheckout } from "../workspace/workspace.js";
import { resolveMirrorsDir } from "./prune-run-mirrors.js";
import type { RunHost } from "./run-host.js";
import type { RunProgress } from "./run-progress.js";
import { resolveRunAgent, type AgentSources } from "./resolve-run-agent.js";

export interface StartedRun {
  /** Null when the run executes on GitHub Actions, where the runner finds its agent. */
  readonly agent: AgentProvider | null;
  readonly apiKey?: string;
  readonly prepared: PreparedCheckout;
  readonly workBranch: string;
  /** Outside the checkout, what its commands may read: the objects of the mirror it borrows. */
  readonly readOnlyPaths: readonly string[];
}

/**
 * Everything before the stages: what can be known to fail is checked before anything is
 * created; then the work branch and its start commit are pushed, and the host opens the
 * pull request and the check run.
 */
export async function startRun(
  deps: AgentSources & { runs: RunStore; settings: AppSettings },
  host: RunHost,
  run: Run,
  progress: RunProgress,
): Promise<StartedRun> {
  const { runs, settings } = deps;
  const request = run.request;
  const executor = request.settings?.executor ?? settings.executor;
  const resolved = resolveRunAgent(deps, { installationId: run.installationId, agentName: request.agent, appAnthropicKey: settings.anthropicApiKey, executor });
  if (!resolved.ok) throw new RunFailure(resolved.reason);
  // Commands never run unsandboxed unless an admin turned the sandbox off; on Actions the job's machine is the sandbox.
  if (settings.sandbox.mode === "bubblewrap" && executor !== "actions") {
    const check = await checkSandbox();
    if (!check.ok) throw new RunFailure(check.reason);
  }
  const workBranch = run.workBranch ?? renderWorkBranch(request.issue.number, request.issue.title);
  runs.updateRun(run.id, { workBranch });
  const prepared = await prepareCheckout({
    dir: progress.workdir,
    remoteUrl: request.repo.cloneUrl,
    token: await host.getGitToken(),
    baseBranch: request.baseBranch,
    workBranch,
    startMessage: `Start: ${request.issue.title}`,
    author: settings.gitAuthor,
    mirrorsDir: resolveMirrorsDir(settings),
  });
  Object.assign(progress, { startSha: prepared.headSha, baseSha: prepared.baseSha, branchCreated: prepared.branchCreated });
  runs.updateRun(run.id, { headSha: prepared.headSha });
  await host.opened(prepared);
  return {
    agent: resolved.agent,
    ...(resolved.apiKey ? { apiKey: resolved.apiKey } : {}),
    prepared,
    workBranch,
    // The checkout borrows the mirror's objects; inside the sandbox, which hides the data
    // directory, git needs them readable (and only readable).
    readOnlyPaths: prepared.borrowedObjectsDir === undefined ? [] : [prepared.borrowedObjectsDir],
  };
}
