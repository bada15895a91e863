import { RunFailure } from "../../domain/run-failure.js";
import { renderRunName, WORKFLOW_INPUTS } from "../../domain/actions-workflow.js";
import { hasStatus, type GitHubClient, type RepoRef } from "../../github/client.js";
import { dispatchWorkflow, listDispatchedRuns } from "../../github/workflow-runs.js";

/** GitHub would not start the workflow; the message says why and what fixes it. */
export class DispatchRefused extends RunFailure {}

export interface WorkflowTarget {
  readonly repo: RepoRef;
  /** `.github/workflows/hamster.yml` */
  readonly workflowPath: string;
  /** The branch the workflow is dispatched on. */
  readonly ref: string;
}

export interface StartOptions {
  /** How often to look for the run by its name when GitHub does not say which it started. Default 15. */
  readonly findTries?: number;
  /** Default 2 s. */
  readonly findDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Dispatches the repository's Hamster workflow for one attempt and learns which workflow run
 * it started: from GitHub's answer (`return_run_details`), or, where GitHub does not give it
 * (a GHES that rejects or ignores the parameter), by finding the run named for the attempt.
 */
export async function startWorkflowRun(
  octokit: GitHubClient,
  target: WorkflowTarget,
  attempt: { readonly runId: number; readonly attempt: number; readonly timeoutMinutes: number },
  options: StartOptions = {},
): Promise<{ workflowRunId: number; htmlUrl: string }> {
  const workflowFile = target.workflowPath.slice(target.workflowPath.lastIndexOf("/") + 1);
  const inputs = {
    [WORKFLOW_INPUTS.run]: String(attempt.runId),
    [WORKFLOW_INPUTS.attempt]: String(attempt.attempt),
    [WORKFLOW_INPUTS.timeoutMinutes]: String(attempt.timeoutMinutes),
  };
  const dispatch = (returnRunDetails: boolean) => dispatchWorkflow(octokit, target.repo, { workflowFile, ref: target.ref, inputs, returnRunDetails });
  let answer;
  try {
    answer = await dispatch(true).catch((error: unknown) => {
      if (!rejectsRunDetails(error)) throw error;
      return dispatch(false);
    });
  } catch (error) {
    throw describeRefusal(error, target);
  }
  if (answer.kind === "started") return { workflowRunId: answer.workflowRunId, htmlUrl: answer.htmlUrl };
  return findRunByName(octokit, target, workflowFile, renderRunName(attempt.runId, attempt.attempt), options);
}

async function findRunByName(octokit: GitHubClient, target: WorkflowTarget, workflowFile: string, name: string, options: StartOptions) {
  const tries = options.findTries ?? 15;
  const delayMs = options.findDelayMs ?? 2_000;
  for (let i = 0; i < tries; i++) {
    const runs = await listDispatchedRuns(octokit, target.repo, { workflowFile, branch: target.ref });
    const found = runs.find((run) => run.displayTitle === name);
    if (found) return { workflowRunId: found.id, htmlUrl: found.htmlUrl };
    if (i < tries - 1) await (options.sleep ?? sleepFor)(delayMs);
  }
  throw new RunFailure(
    `GitHub accepted the dispatch of \`${target.workflowPath}\`, but no workflow run named "${name}" appeared within ${Math.round((tries * delayMs) / 1000)} s. Check that the workflow's \`run-name\` is the one \`hamster setup actions\` prints.`,
  );
}

/** A GitHub that does not know `return_run_details` (an older GHES) says so in a 400 or 422. */
function rejectsRunDetails(error: unknown): boolean {
  return (hasStatus(error, 422) || hasStatus(error, 400)) && messageOf(error).includes("return_run_details");
}

function describeRefusal(error: unknown, target: WorkflowTarget): Error {
  const where = `\`${target.workflowPath}\` on \`${target.ref}\` of ${target.repo.owner}/${target.repo.repo}`;
  const said = messageOf(error);
  if (hasStatus(error, 404)) {
    return new DispatchRefused(
      `GitHub found no workflow ${where} (404). Add it: comment \`/hamster setup actions\` on an issue, or commit what \`hamster setup actions\` prints; or point \`actions.workflow\` and \`actions.ref\` in .github/hamster.yml at yours.`,
    );
  }
  if (hasStatus(error, 403)) {
    return new DispatchRefused(
      `GitHub refused to start the workflow ${where} (403: ${said}). The app needs the Actions permission (read and write), which an owner accepts in the installation's settings; and Actions must be enabled for the repository.`,
    );
  }
  if (hasStatus(error, 422)) return new DispatchRefused(`GitHub refused to start the workflow ${where} (422: ${said}). ${suggestFix(said)}`);
  return error instanceof Error ? error : new Error(String(error));
}

function suggestFix(message: string): string {
  const text = message.toLowerCase();
  if (text.includes("disabled")) return "Enable the workflow (and Actions) in the repository's Actions settings.";
  if (text.includes("input")) return `The workflow must take the inputs ${Object.values(WORKFLOW_INPUTS).join(", ")}: compare it with what \`hamster setup actions\` prints.`;
  if (text.includes("workflow_dispatch")) return "The workflow must be triggered by `workflow_dispatch`: compare it with what `hamster setup actions` prints.";
  return "Compare the workflow with what `hamster setup actions` prints, and check the repository's Actions settings.";
}

function messageOf(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  if (typeof data?.message === "string") return data.message;
  return error instanceof Error ? error.message : String(error);
}
