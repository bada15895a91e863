import { WORK_BRANCH_PREFIX } from "../workspace/branch-name.js";
import { listChangedFiles } from "../workspace/workspace.js";
import { RunFailure } from "../domain/run-failure.js";

const WORKFLOWS_DIR = ".github/workflows/";

/** The files of a change that GitHub would run as CI with the repository's secrets. */
export function findWorkflowChanges(files: readonly string[]): string[] {
  return files.filter((file) => file.startsWith(WORKFLOWS_DIR));
}

/**
 * What the app may push, checked before every push: only its own `hamster/…` branches
 * (never the default branch), and no change to CI workflows unless the repository allows
 * it, since the agent may have been talked into writing one that leaks secrets.
 */
export async function checkPush(input: {
  dir: string;
  fromSha: string;
  toSha: string;
  workBranch: string;
  defaultBranch: string;
  allowWorkflowChanges: boolean;
}): Promise<void> {
  if (!input.workBranch.startsWith(WORK_BRANCH_PREFIX) || input.workBranch === input.defaultBranch) {
    throw new RunFailure(`Hamster only pushes to its own ${WORK_BRANCH_PREFIX}… branches; it will not push to \`${input.workBranch}\`.`);
  }
  if (input.allowWorkflowChanges) return;
  const workflows = findWorkflowChanges(await listChangedFiles(input.dir, input.fromSha, input.toSha));
  if (workflows.length > 0) {
    throw new WorkflowChangeRefused(workflows);
  }
}

/** The agent changed CI workflows and the repository does not allow pushing that. */
export class WorkflowChangeRefused extends RunFailure {
  constructor(readonly files: readonly string[]) {
    super(
      `The agent changed GitHub Actions workflows (${files.map((f) => `\`${f}\``).join(", ")}), and Hamster does not push workflow changes unless the repository allows it with \`allow_workflow_changes: true\` in .github/hamster.yml (workflows run with the repository's secrets). Nothing was pushed.`,
    );
  }
}
