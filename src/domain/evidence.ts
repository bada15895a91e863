/**
 * How a run's work stands against one acceptance criterion, and what backs the claim.
 * Types only: the agent's report (agent/phase-prompts) and the stored run (store/run)
 * speak the same vocabulary.
 */

export type CriterionStatus = "met" | "not_met" | "unverified";

export type Evidence =
  | { readonly kind: "command"; readonly command: string; readonly result: string }
  | { readonly kind: "file"; readonly path: string; readonly line: number };
