import { existsSync } from "node:fs";
import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import { RunFailure } from "../domain/run-failure.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunStore } from "../store/run-store.js";
import { commitAll, pushBranch, removeCheckout, resolveCommit } from "../workspace/workspace.js";
import { checkPush } from "./push-policy.js";
import { describeFailure } from "./describe-failure.js";
import type { RunHost } from "./run-host.js";
import { recordRunDiff } from "./record-run-diff.js";

/**
 * A resumed run's previous process may have left the agent's work in the workspace,
 * uncommitted, or committed (by the agent, or by a runner that sent it back as a bundle) but
 * not pushed: push it to the branch, within the push policy, before starting again, so no
 * work is thrown away.
 */
export async function salvageWorkspace(
  deps: { runs: RunStore; diffs?: RunDiffStore | undefined; settings: Pick<AppSettings, "gitAuthor">; log: Logger },
  host: RunHost,
  run: Run,
  workdir: string,
): Promise<void> {
  if (!existsSync(workdir)) return;
  try {
    // headSha: what the branch held when the interrupted attempt started, or after its last push.
    if (run.workBranch && run.headSha) {
      const commit = await commitAll(workdir, `WIP: work of Hamster run #${run.id} before an interruption`, deps.settings.gitAuthor);
      const head = commit?.sha ?? (await resolveCommit(workdir, "HEAD"));
      if (head !== run.headSha) {
        await checkPush({
          dir: workdir,
          fromSha: run.headSha,
          toSha: head,
          workBranch: run.workBranch,
          defaultBranch: run.request.repo.defaultBranch,
          allowWorkflowChanges: run.request.settings?.allowWorkflowChanges ?? false,
        });
        await pushBranch({ dir: workdir, remoteUrl: run.request.repo.cloneUrl, token: await host.getGitToken(), workBranch: run.workBranch });
        deps.runs.updateRun(run.id, { headSha: head });
        // The checkout still has the base branch as it was fetched: the merge base is found from it.
        await recordRunDiff(deps, run.id, workdir, { from: { branch: run.request.baseBranch }, head });
      }
    }
    await removeCheckout(workdir);
  } catch (error) {
    // The old workspace stays where it is; a fresh checkout cannot be made on top of it.
    deps.log.warn({ runId: run.id, err: error }, "could not salvage the interrupted workspace");
    throw new RunFailure(
      `The run was interrupted and its workspace could not be saved (${describeFailure(error)}). It is kept on the server as \`workspaces/run-${run.id}\`; retry to start over.`,
    );
  }
}
