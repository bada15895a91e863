import { parseDocument } from "yaml";

/** The parts of a workflow file the tests read. */
export interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
export interface Workflow {
  name: string;
  "run-name": string;
  on: { workflow_dispatch: { inputs: Record<string, unknown> } };
  permissions: Record<string, string>;
  jobs: { deliver: { "runs-on": string; "timeout-minutes": string; steps: WorkflowStep[] } & Record<string, unknown> };
}

/** Parses a workflow as YAML 1.2 (as GitHub reads `on:`), failing on any error or warning, duplicate keys included. */
export function parseWorkflow(text: string): Workflow {
  const document = parseDocument(text, { version: "1.2", uniqueKeys: true, strict: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`The workflow is not clean YAML: ${problems.map((p) => p.message).join("; ")}`);
  return document.toJS() as Workflow;
}

export function findHamsterStep(workflow: Workflow): WorkflowStep & { run: string; env: Record<string, string> } {
  const step = workflow.jobs.deliver.steps.find((s) => s.name === "Hamster");
  if (!step?.run || !step.env) throw new Error("The workflow has no Hamster step with run and env.");
  return step as WorkflowStep & { run: string; env: Record<string, string> };
}

/** Replaces `${{ inputs.NAME }}` as GitHub does for a workflow_dispatch; any other expression is an error here. */
export function evaluateInputs(value: string, inputs: Record<string, string>): string {
  const evaluated = value.replace(/\$\{\{\s*inputs\.([a-z_]+)\s*\}\}/g, (_m, name: string) => {
    const input = inputs[name];
    if (input === undefined) throw new Error(`No input ${name}.`);
    return input;
  });
  if (evaluated.includes("${{")) throw new Error(`An expression other than an input in ${JSON.stringify(value)}.`);
  return evaluated;
}
