import type { SqliteDatabase } from "./database.js";

/**
 * A user's saved defaults for the parameters they leave out of `/deliver`. Every key is
 * optional: a key that is absent was never set (or was reset).
 */
export interface PreferenceValues {
  agent?: string;
  branch?: string;
  model?: string;
}

/** The user whose preferences these are: the id is the key (logins can be renamed), the login is kept for people reading the table. */
export interface PreferenceUser {
  readonly id: number;
  readonly login: string;
}

interface PreferenceRow {
  agent: string | null;
  branch: string | null;
  model: string | null;
}

function toPreferenceValues(row: PreferenceRow): PreferenceValues | null {
  const values: PreferenceValues = {};
  if (row.agent !== null) values.agent = row.agent;
  if (row.branch !== null) values.branch = row.branch;
  if (row.model !== null) values.model = row.model;
  return Object.keys(values).length === 0 ? null : values;
}

export type PreferenceStore = ReturnType<typeof createPreferenceStore>;

/**
 * The only SQL about preferences, which are kept per installation and user: the same
 * person may want different defaults in different organizations. Statements are prepared once, here.
 */
export function createPreferenceStore(db: SqliteDatabase, now: () => Date = () => new Date()) {
  const getStatement = db.prepare<[number, number], PreferenceRow>(
    `SELECT agent, branch, model FROM preferences WHERE installation_id = ? AND user_id = ?`,
  );
  // A key that is not given (NULL) keeps what was saved before; the login follows renames.
  const upsertStatement = db.prepare(`
    INSERT INTO preferences (installation_id, user_id, user_login, agent, branch, model, updated_at)
    VALUES (@installationId, @userId, @userLogin, @agent, @branch, @model, @at)
    ON CONFLICT (installation_id, user_id) DO UPDATE SET
      user_login = excluded.user_login,
      agent = COALESCE(excluded.agent, preferences.agent),
      branch = COALESCE(excluded.branch, preferences.branch),
      model = COALESCE(excluded.model, preferences.model),
      updated_at = excluded.updated_at`);
  const deleteStatement = db.prepare(`DELETE FROM preferences WHERE installation_id = ? AND user_id = ?`);

  /** The user's saved preferences, or null when none are saved. */
  function getPreferences(installationId: number, userId: number): PreferenceValues | null {
    const row = getStatement.get(installationId, userId);
    return row ? toPreferenceValues(row) : null;
  }

  const upsert = db.transaction((installationId: number, user: PreferenceUser, values: PreferenceValues): PreferenceValues => {
    upsertStatement.run({
      installationId,
      userId: user.id,
      userLogin: user.login,
      agent: values.agent ?? null,
      branch: values.branch ?? null,
      model: values.model ?? null,
      at: now().toISOString(),
    });
    return getPreferences(installationId, user.id) ?? {};
  });

  /** Saves the given keys over the user's preferences (others stay) and returns all of them as saved now. */
  function setPreferences(installationId: number, user: PreferenceUser, values: PreferenceValues): PreferenceValues {
    return upsert(installationId, user, values);
  }

  const replace = db.transaction((installationId: number, user: PreferenceUser, values: PreferenceValues): PreferenceValues | null => {
    deleteStatement.run(installationId, user.id);
    if (Object.values(values).every((value) => value === undefined)) return null;
    return upsert(installationId, user, values);
  });

  /** Saves exactly `values` (a key not given is cleared), as a form that shows every key does; null when none are left. */
  function replacePreferences(installationId: number, user: PreferenceUser, values: PreferenceValues): PreferenceValues | null {
    return replace(installationId, user, values);
  }

  /** Deletes the user's preferences; false when there were none. */
  function resetPreferences(installationId: number, userId: number): boolean {
    return deleteStatement.run(installationId, userId).changes > 0;
  }

  return { getPreferences, setPreferences, replacePreferences, resetPreferences };
}
