import type { AgentContext } from "../agent/provider.js";
import { findBriefReference, loadBrief, type BriefReference } from "../context/brief.js";
import { readRepoInstructions } from "../context/repo-instructions.js";
import { discoverTestCommand } from "../context/test-command.js";
import type { RunRequest } from "../domain/run.js";

export interface GatheredContext {
  readonly context: AgentContext;
  /** Things the user should know that do not stop the run (a brief that could not be read, …). */
  readonly notes: string[];
}

/** What the agent reads besides the task: the brief, the repository's instructions, the test command. */
/** Another issue of the repository (a brief linked as an issue), as the control plane reads it. */
export type GetIssue = (issueNumber: number) => Promise<{ title: string; body: string | null } | null>;

export async function gatherContext(request: RunRequest, workdir: string, getIssue: GetIssue): Promise<GatheredContext> {
  const notes: string[] = [];
  const [repoInstructions, discovered] = await Promise.all([readRepoInstructions(workdir), discoverTestCommand(workdir)]);
  const testCommand = request.settings?.test ?? discovered;

  let brief: AgentContext["brief"];
  // A task delivered as part of a brief reads that brief, whatever its own body links.
  const reference: BriefReference | null = request.brief
    ? { kind: "issue", number: request.brief.number }
    : findBriefReference(
        request.issue.body,
        { owner: request.repo.owner, name: request.repo.name, htmlUrl: request.repo.htmlUrl },
        { hasMilestoneDescription: Boolean(request.milestone?.description) },
      );
  if (reference) {
    const loaded = await loadBrief(reference, {
      workdir,
      getIssue,
      milestone: request.milestone ?? null,
    });
    if ("error" in loaded) notes.push(`Brief not used: ${loaded.error}`);
    else brief = loaded;
  }
  return {
    context: { repoInstructions, ...(brief ? { brief } : {}), ...(testCommand ? { testCommand } : {}) },
    notes,
  };
}
