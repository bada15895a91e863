/**
 * What the app and the repository's Hamster workflow agree on: where the workflow lies, the
 * inputs a dispatch carries (identifiers and a limit, never a secret), the name each
 * workflow run gets, and the app's endpoints the workflow's runner step calls.
 */
export const DEFAULT_WORKFLOW_PATH = ".github/workflows/hamster.yml";

/** The `workflow_dispatch` inputs, all strings. */
export const WORKFLOW_INPUTS = {
  run: "hamster_run",
  attempt: "hamster_attempt",
  timeoutMinutes: "timeout_minutes",
} as const;

/** Where a runner on Actions trades its OIDC token for the attempt's run credential. */
export const ACTIONS_EXCHANGE_PATH = "/api/hamster/actions/v1/exchange";

/**
 * The workflow run's `run-name` (its `display_title`), which is how the app finds the run
 * when GitHub does not say which run a dispatch started (GHES without `return_run_details`).
 */
export function renderRunName(runId: number, attempt: number): string {
  return `Hamster run ${runId} attempt ${attempt}`;
}

/** The inverse of `renderRunName`: a workflow run's title tells a Hamster job from the repository's own CI. */
export function parseRunName(title: string): { runId: number; attempt: number } | null {
  const match = /^Hamster run ([1-9][0-9]*) attempt ([1-9][0-9]*)$/.exec(title);
  return match ? { runId: Number(match[1]), attempt: Number(match[2]) } : null;
}
