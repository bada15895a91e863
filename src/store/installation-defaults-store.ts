import type { ExecutorName } from "../domain/executor-name.js";
import type { InstallationDefaults, InstallationDefaultsRecord, RunBudgets } from "../domain/installation-defaults.js";
import type { SqliteDatabase } from "./database.js";

interface DefaultsRow {
  installation_id: number;
  agent: string | null;
  model: string | null;
  executor: string | null;
  budget_turns: number | null;
  budget_input_tokens: number | null;
  budget_output_tokens: number | null;
  budget_cost_usd: number | null;
  budget_minutes: number | null;
  updated_at: string;
  updated_by: string;
}

function toRecord(row: DefaultsRow): InstallationDefaultsRecord {
  const budgets: { -readonly [Key in keyof RunBudgets]: RunBudgets[Key] } = {};
  if (row.budget_turns !== null) budgets.turns = row.budget_turns;
  if (row.budget_input_tokens !== null) budgets.inputTokens = row.budget_input_tokens;
  if (row.budget_output_tokens !== null) budgets.outputTokens = row.budget_output_tokens;
  if (row.budget_cost_usd !== null) budgets.costUsd = row.budget_cost_usd;
  if (row.budget_minutes !== null) budgets.minutes = row.budget_minutes;
  return {
    installationId: row.installation_id,
    ...(row.agent !== null ? { agent: row.agent } : {}),
    ...(row.model !== null ? { model: row.model } : {}),
    // Written only through setDefaults, from validated values.
    ...(row.executor !== null ? { executor: row.executor as ExecutorName } : {}),
    budgets,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

export type InstallationDefaultsStore = ReturnType<typeof createInstallationDefaultsStore>;

/**
 * The only SQL about installation defaults: one row per installation, replaced whole when
 * an admin saves the settings form (a key left empty there is a key no longer set).
 */
export function createInstallationDefaultsStore(db: SqliteDatabase, now: () => Date = () => new Date()) {
  const getStatement = db.prepare<[number], DefaultsRow>(`SELECT * FROM installation_defaults WHERE installation_id = ?`);
  const upsertStatement = db.prepare(`
    INSERT INTO installation_defaults (installation_id, agent, model, executor, budget_turns, budget_input_tokens,
      budget_output_tokens, budget_cost_usd, budget_minutes, updated_at, updated_by)
    VALUES (@installationId, @agent, @model, @executor, @turns, @inputTokens, @outputTokens, @costUsd, @minutes, @updatedAt, @updatedBy)
    ON CONFLICT (installation_id) DO UPDATE SET
      agent = excluded.agent,
      model = excluded.model,
      executor = excluded.executor,
      budget_turns = excluded.budget_turns,
      budget_input_tokens = excluded.budget_input_tokens,
      budget_output_tokens = excluded.budget_output_tokens,
      budget_cost_usd = excluded.budget_cost_usd,
      budget_minutes = excluded.budget_minutes,
      updated_at = excluded.updated_at,
      updated_by = excluded.updated_by`);

  /** The installation's defaults, or null when its admins never saved any. */
  function getDefaults(installationId: number): InstallationDefaultsRecord | null {
    const row = getStatement.get(installationId);
    return row ? toRecord(row) : null;
  }

  /** Replaces the installation's defaults with `defaults` (keys absent there are cleared) and returns them as stored. */
  function setDefaults(installationId: number, defaults: InstallationDefaults, updatedBy: string): InstallationDefaultsRecord {
    const { budgets } = defaults;
    upsertStatement.run({
      installationId,
      agent: defaults.agent ?? null,
      model: defaults.model ?? null,
      executor: defaults.executor ?? null,
      turns: budgets.turns ?? null,
      inputTokens: budgets.inputTokens ?? null,
      outputTokens: budgets.outputTokens ?? null,
      costUsd: budgets.costUsd ?? null,
      minutes: budgets.minutes ?? null,
      updatedAt: now().toISOString(),
      updatedBy,
    });
    return getDefaults(installationId)!;
  }

  return { getDefaults, setDefaults };
}
