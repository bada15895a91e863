import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SqliteDatabase } from "./database.js";
import { GENERATE_KEY_HINT, VAULT_KEY_BYTES, type VaultKey } from "./vault-key.js";

export type { VaultKey } from "./vault-key.js";

const ALGORITHM = "aes-256-gcm";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PROVIDER = /^[a-z][a-z0-9-]{0,31}$/;

export type VaultErrorCode =
  /** HAMSTER_VAULT_KEY is not configured. */
  | "no_key"
  /** The keys given to the vault are malformed (length, version, duplicates). */
  | "invalid_key"
  /** A record is encrypted under a version that HAMSTER_VAULT_KEY does not list. */
  | "unknown_key_version"
  /** Authentication failed: wrong key, modified record, or a record moved to another installation or provider. */
  | "tampered"
  | "invalid_provider"
  | "invalid_installation"
  | "empty_value";

/** The vault's failures. Messages and context never carry key material or secret values. */
export class VaultError extends Error {
  override readonly name = "VaultError";
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly context: { readonly installationId?: number; readonly provider?: string; readonly keyVersion?: number } = {},
  ) {
    super(message);
  }
}

/** What `listSecrets` tells about a record: never its value. */
export interface SecretSummary {
  readonly installationId: number;
  readonly provider: string;
  readonly keyVersion: number;
  readonly updatedAt: string;
  /** Who set the value: a GitHub login (the console), `cli:<user>` (`hamster secrets set`), or null for values set before this was kept. */
  readonly updatedBy: string | null;
}

export interface Vault {
  /** The version new records are encrypted under (the highest), or null when no key is configured. */
  readonly currentKeyVersion: number | null;
  /** Encrypts and stores the value, replacing any earlier one for this installation and provider; `updatedBy` says who set it. */
  setSecret(installationId: number, provider: string, value: string, updatedBy?: string): void;
  /** The stored value, or null when there is none. */
  getSecret(installationId: number, provider: string): string | null;
  /** Every record's metadata, by installation then provider. Works without a key. */
  listSecrets(): SecretSummary[];
  /** One record's metadata (never its value), or null when there is none. Works without a key. */
  findSecret(installationId: number, provider: string): SecretSummary | null;
  /** Deletes the record; false when there was none. Works without a key. */
  deleteSecret(installationId: number, provider: string): boolean;
  /** Re-encrypts every record not yet under the newest key, all or nothing; returns how many changed. */
  rotate(): number;
}

interface SecretRow {
  installation_id: number;
  provider: string;
  key_version: number;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  updated_at: string;
}

interface SummaryRow {
  installation_id: number;
  provider: string;
  key_version: number;
  updated_at: string;
  updated_by: string | null;
}

function toSummary(row: SummaryRow): SecretSummary {
  return { installationId: row.installation_id, provider: row.provider, keyVersion: row.key_version, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/** Validates a provider name (`anthropic`, `openai`, …); throws VaultError "invalid_provider". */
export function assertProviderName(provider: string): void {
  if (!PROVIDER.test(provider)) {
    // The rejected text is not repeated: someone may have typed a key where the provider goes.
    throw new VaultError(
      "invalid_provider",
      "A provider name is 1 to 32 characters: a lowercase letter, then lowercase letters, digits or '-' (for example anthropic, openai).",
    );
  }
}

function assertInstallationId(installationId: number): void {
  if (!Number.isSafeInteger(installationId) || installationId <= 0) {
    throw new VaultError("invalid_installation", "An installation id is a positive integer.");
  }
}

/**
 * Associated data: the record is only valid for this installation, provider and key
 * version. The provider's grammar excludes '\n', so the encoding is unambiguous.
 */
function associatedData(installationId: number, provider: string, keyVersion: number): Buffer {
  return Buffer.from(`hamster-deliver secret v1\ninstallation ${installationId}\nprovider ${provider}\nkey ${keyVersion}`, "utf8");
}

function checkKeys(keys: readonly VaultKey[]): VaultKey[] {
  const seen = new Set<number>();
  for (const { version, key } of keys) {
    if (!Number.isSafeInteger(version) || version <= 0) throw new VaultError("invalid_key", "A vault key version must be a positive integer.");
    if (seen.has(version)) throw new VaultError("invalid_key", `Vault key version ${version} is listed twice.`, { keyVersion: version });
    if (key.length !== VAULT_KEY_BYTES) {
      throw new VaultError("invalid_key", `Vault key version ${version} must be exactly ${VAULT_KEY_BYTES} bytes; ${GENERATE_KEY_HINT}.`, { keyVersion: version });
    }
    seen.add(version);
  }
  return [...keys].sort((a, b) => b.version - a.version);
}

const NO_KEY_MESSAGE =
  `No vault key is configured: set HAMSTER_VAULT_KEY to a base64 key of ${VAULT_KEY_BYTES} bytes (${GENERATE_KEY_HINT}), ` +
  "or to version:key entries separated by commas (2:…,1:…) while rotating.";

/** The error for "HAMSTER_VAULT_KEY is not set", for callers that check before doing any work. */
export function createNoKeyError(): VaultError {
  return new VaultError("no_key", NO_KEY_MESSAGE);
}

/**
 * The only SQL about secrets: agent-provider API keys per installation, each encrypted
 * with AES-256-GCM under the newest master key, with a fresh random nonce per record.
 */
export function createVault(db: SqliteDatabase, keys: readonly VaultKey[] | undefined, now: () => Date = () => new Date()): Vault {
  const sorted = checkKeys(keys ?? []);
  const byVersion = new Map(sorted.map((k) => [k.version, k.key]));
  const newest = sorted[0];

  const getStatement = db.prepare<[number, string], SecretRow>(
    `SELECT installation_id, provider, key_version, nonce, ciphertext, tag, updated_at FROM secrets WHERE installation_id = ? AND provider = ?`,
  );
  const allStatement = db.prepare<[], SecretRow>(
    `SELECT installation_id, provider, key_version, nonce, ciphertext, tag, updated_at FROM secrets ORDER BY installation_id, provider`,
  );
  const listStatement = db.prepare<[], SummaryRow>(
    `SELECT installation_id, provider, key_version, updated_at, updated_by FROM secrets ORDER BY installation_id, provider`,
  );
  const findStatement = db.prepare<[number, string], SummaryRow>(
    `SELECT installation_id, provider, key_version, updated_at, updated_by FROM secrets WHERE installation_id = ? AND provider = ?`,
  );
  const upsertStatement = db.prepare(`
    INSERT INTO secrets (installation_id, provider, key_version, nonce, ciphertext, tag, updated_at, updated_by)
    VALUES (@installationId, @provider, @keyVersion, @nonce, @ciphertext, @tag, @updatedAt, @updatedBy)
    ON CONFLICT (installation_id, provider) DO UPDATE SET
      key_version = excluded.key_version,
      nonce = excluded.nonce,
      ciphertext = excluded.ciphertext,
      tag = excluded.tag,
      updated_at = excluded.updated_at,
      updated_by = excluded.updated_by`);
  // Rotation re-encrypts the same value: updated_at and updated_by keep saying when and by whom it was set.
  const reencryptStatement = db.prepare(`
    UPDATE secrets SET key_version = @keyVersion, nonce = @nonce, ciphertext = @ciphertext, tag = @tag
    WHERE installation_id = @installationId AND provider = @provider AND key_version = @oldVersion`);
  const deleteStatement = db.prepare(`DELETE FROM secrets WHERE installation_id = ? AND provider = ?`);

  function requireNewest(): VaultKey {
    if (!newest) throw new VaultError("no_key", NO_KEY_MESSAGE);
    return newest;
  }

  function encrypt(installationId: number, provider: string, plaintext: Buffer) {
    const { version, key } = requireNewest();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(installationId, provider, version));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyVersion: version, nonce, ciphertext, tag: cipher.getAuthTag() };
  }

  /** Decrypts a row into a buffer the caller should zero when done. */
  function decrypt(row: SecretRow): Buffer {
    const context = { installationId: row.installation_id, provider: row.provider, keyVersion: row.key_version };
    const where = `the ${row.provider} key of installation ${row.installation_id}`;
    if (byVersion.size === 0) throw new VaultError("no_key", NO_KEY_MESSAGE, context);
    const key = byVersion.get(row.key_version);
    if (!key) {
      const listed = sorted.map((k) => k.version).join(", ");
      throw new VaultError(
        "unknown_key_version",
        `${where} is encrypted with key version ${row.key_version}, which HAMSTER_VAULT_KEY does not list (it has ${listed}). Add that version back to HAMSTER_VAULT_KEY, or set the secret again.`,
        context,
      );
    }
    const tampered = () =>
      new VaultError(
        "tampered",
        `${where} failed authentication: the key for version ${row.key_version} is not the one it was encrypted with, the record was modified, or it was moved from another installation or provider. Set the secret again.`,
        context,
      );
    if (row.nonce.length !== NONCE_BYTES || row.tag.length !== TAG_BYTES) throw tampered();
    try {
      const decipher = createDecipheriv(ALGORITHM, key, row.nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(row.installation_id, row.provider, row.key_version));
      decipher.setAuthTag(row.tag);
      const head = decipher.update(row.ciphertext);
      try {
        return Buffer.concat([head, decipher.final()]);
      } finally {
        head.fill(0);
      }
    } catch {
      throw tampered();
    }
  }

  function setSecret(installationId: number, provider: string, value: string, updatedBy?: string): void {
    assertInstallationId(installationId);
    assertProviderName(provider);
    if (value === "") throw new VaultError("empty_value", "A secret cannot be empty.", { installationId, provider });
    const plaintext = Buffer.from(value, "utf8");
    try {
      upsertStatement.run({
        installationId,
        provider,
        ...encrypt(installationId, provider, plaintext),
        updatedAt: now().toISOString(),
        updatedBy: updatedBy ?? null,
      });
    } finally {
      plaintext.fill(0);
    }
  }

  function getSecret(installationId: number, provider: string): string | null {
    assertInstallationId(installationId);
    assertProviderName(provider);
    const row = getStatement.get(installationId, provider);
    if (!row) return null;
    const plaintext = decrypt(row);
    try {
      return plaintext.toString("utf8");
    } finally {
      plaintext.fill(0);
    }
  }

  function listSecrets(): SecretSummary[] {
    return listStatement.all().map(toSummary);
  }

  function findSecret(installationId: number, provider: string): SecretSummary | null {
    assertInstallationId(installationId);
    assertProviderName(provider);
    const row = findStatement.get(installationId, provider);
    return row ? toSummary(row) : null;
  }

  function deleteSecret(installationId: number, provider: string): boolean {
    assertInstallationId(installationId);
    assertProviderName(provider);
    return deleteStatement.run(installationId, provider).changes > 0;
  }

  // One transaction: a record that fails to decrypt leaves every record as it was.
  const rotateAll = db.transaction((): number => {
    const target = requireNewest();
    let changed = 0;
    for (const row of allStatement.all()) {
      if (row.key_version === target.version) continue;
      const plaintext = decrypt(row);
      try {
        const sealed = encrypt(row.installation_id, row.provider, plaintext);
        changed += reencryptStatement.run({ installationId: row.installation_id, provider: row.provider, oldVersion: row.key_version, ...sealed }).changes;
      } finally {
        plaintext.fill(0);
      }
    }
    return changed;
  });

  return {
    currentKeyVersion: newest?.version ?? null,
    setSecret,
    getSecret,
    listSecrets,
    findSecret,
    deleteSecret,
    rotate: () => rotateAll(),
  };
}
