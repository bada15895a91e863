import type { InstallationDefaults } from "../domain/installation-defaults.js";
import { describeValue, InstallationDefaultsSchema, readBudgets } from "./repo-config.js";

/** The keys of an installation's defaults as the settings form names them: the `.github/hamster.yml` names. */
export const INSTALLATION_DEFAULT_KEYS = ["agent", "model", "executor"] as const;
export const INSTALLATION_BUDGET_KEYS = ["turns", "input_tokens", "output_tokens", "cost_usd", "minutes"] as const;

export interface InstallationDefaultsInput {
  readonly agent?: unknown;
  readonly model?: unknown;
  readonly executor?: unknown;
  readonly budgets?: Readonly<Partial<Record<(typeof INSTALLATION_BUDGET_KEYS)[number], unknown>>>;
}

export type InstallationDefaultsParse = { ok: true; defaults: InstallationDefaults } | { ok: false; errors: string[] };

/**
 * Checks an installation's defaults by the rules `.github/hamster.yml` follows for the same
 * keys (one schema, so the two cannot disagree), every error reported together. An agent
 * must also be one this app knows, since no repository file stands between it and a run.
 */
export function parseInstallationDefaults(input: InstallationDefaultsInput, knownAgents: readonly string[]): InstallationDefaultsParse {
  const result = InstallationDefaultsSchema.safeParse(input);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return `\`${path}\` ${issue.message} (got ${describeValue(findValue(input, issue.path))})`;
    });
    return { ok: false, errors: [...new Set(errors)] };
  }
  const { agent, model, executor, budgets } = result.data;
  if (agent !== undefined && !knownAgents.includes(agent)) {
    return { ok: false, errors: [`\`agent\` must be an agent Hamster knows (${knownAgents.join(", ")}) (got ${describeValue(agent)})`] };
  }
  return {
    ok: true,
    defaults: {
      ...(agent !== undefined ? { agent } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(executor !== undefined ? { executor } : {}),
      budgets: readBudgets(budgets ?? {}),
    },
  };
}

function findValue(input: InstallationDefaultsInput, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
