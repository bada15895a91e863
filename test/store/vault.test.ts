import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config/env.js";
import Database from "better-sqlite3";
import { migrateDatabase, openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { createVault, VaultError, type VaultKey } from "../../src/store/vault.js";
import { parseVaultKeys } from "../../src/store/vault-key.js";
import { anthropicLike } from "../security/fake-secrets.js";

let dir: string;
let db: SqliteDatabase;
const now = () => new Date("2026-11-24T10:00:00.000Z");
const key1: VaultKey = { version: 1, key: randomBytes(32) };
const key2: VaultKey = { version: 2, key: randomBytes(32) };
const VALUE = anthropicLike("api03-canary-0123456789");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-vault-"));
  db = openDatabase(dir);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RawRow {
  key_version: number;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function rawRow(installationId: number, provider: string): RawRow {
  return db.prepare(`SELECT key_version, nonce, ciphertext, tag FROM secrets WHERE installation_id = ? AND provider = ?`).get(installationId, provider) as RawRow;
}

function flipFirstByte(column: "nonce" | "ciphertext" | "tag", installationId = 7, provider = "anthropic"): void {
  const value = Buffer.from(rawRow(installationId, provider)[column]);
  value[0] = value[0]! ^ 0x01;
  db.prepare(`UPDATE secrets SET ${column} = ? WHERE installation_id = ? AND provider = ?`).run(value, installationId, provider);
}

function vaultErrorOf(action: () => unknown): VaultError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    return error as VaultError;
  }
  throw new Error("expected a VaultError");
}

describe("vault", () => {
  it("round-trips a value and lists it without the value", () => {
    const vault = createVault(db, [key1], now);
    expect(vault.getSecret(7, "anthropic")).toBeNull();
    vault.setSecret(7, "anthropic", VALUE);
    vault.setSecret(7, "openai", "sk-openai");
    expect(vault.getSecret(7, "anthropic")).toBe(VALUE);
    expect(vault.getSecret(7, "openai")).toBe("sk-openai");
    expect(vault.getSecret(8, "anthropic")).toBeNull();
    const list = vault.listSecrets();
    expect(list).toEqual([
      { installationId: 7, provider: "anthropic", keyVersion: 1, updatedAt: "2026-11-24T10:00:00.000Z", updatedBy: null },
      { installationId: 7, provider: "openai", keyVersion: 1, updatedAt: "2026-11-24T10:00:00.000Z", updatedBy: null },
    ]);
    expect(JSON.stringify(list)).not.toContain(VALUE);
    expect(Buffer.concat([rawRow(7, "anthropic").ciphertext]).includes(Buffer.from(VALUE))).toBe(false);
  });

  it("keeps who set a value, replaced with the value, through a rotation, and tells one record without its value", () => {
    const vault = createVault(db, [key1], now);
    expect(vault.findSecret(7, "anthropic")).toBeNull();
    vault.setSecret(7, "anthropic", VALUE, "cli:alice");
    expect(vault.findSecret(7, "anthropic")).toEqual({
      installationId: 7,
      provider: "anthropic",
      keyVersion: 1,
      updatedAt: "2026-11-24T10:00:00.000Z",
      updatedBy: "cli:alice",
    });
    const later = createVault(db, [key1, key2], () => new Date("2026-12-01T00:00:00.000Z"));
    later.setSecret(7, "anthropic", VALUE, "octocat");
    later.setSecret(8, "anthropic", VALUE, "hubot");
    createVault(db, [key1, key2, { version: 3, key: randomBytes(32) }], now).rotate();
    expect(later.listSecrets().map((s) => [s.installationId, s.updatedAt, s.updatedBy])).toEqual([
      [7, "2026-12-01T00:00:00.000Z", "octocat"],
      [8, "2026-12-01T00:00:00.000Z", "hubot"],
    ]);
    expect(JSON.stringify(later.findSecret(7, "anthropic"))).not.toContain(VALUE);
    // Metadata needs no master key: the console shows it even when HAMSTER_VAULT_KEY is gone.
    expect(createVault(db, undefined, now).findSecret(8, "anthropic")?.updatedBy).toBe("hubot");
  });

  it("leaves who set a value unknown for records from before it was kept", () => {
    const file = join(dir, "old.db");
    const old = new Database(file);
    const added = MIGRATIONS.findIndex((migration) => migration.includes("ALTER TABLE secrets ADD COLUMN updated_by"));
    for (const migration of MIGRATIONS.slice(0, added)) old.exec(migration);
    old.pragma(`user_version = ${added}`);
    // A record as the vault of that version wrote it (the same encryption: only the metadata is new).
    createVault(db, [key1], now).setSecret(7, "anthropic", VALUE, "someone");
    const row = rawRow(7, "anthropic");
    old
      .prepare(`INSERT INTO secrets (installation_id, provider, key_version, nonce, ciphertext, tag, updated_at) VALUES (7, 'anthropic', ?, ?, ?, ?, ?)`)
      .run(row.key_version, row.nonce, row.ciphertext, row.tag, now().toISOString());
    migrateDatabase(old);
    expect(createVault(old, [key1], now).findSecret(7, "anthropic")).toMatchObject({ updatedBy: null, updatedAt: "2026-11-24T10:00:00.000Z" });
    expect(createVault(old, [key1], now).getSecret(7, "anthropic")).toBe(VALUE);
    old.close();
  });

  it("replaces a value and deletes it", () => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", "first");
    vault.setSecret(7, "anthropic", "second");
    expect(vault.getSecret(7, "anthropic")).toBe("second");
    expect(vault.deleteSecret(7, "anthropic")).toBe(true);
    expect(vault.deleteSecret(7, "anthropic")).toBe(false);
    expect(vault.getSecret(7, "anthropic")).toBeNull();
  });

  it("uses a fresh 12-byte nonce for every record, even for the same value", () => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", VALUE);
    const first = rawRow(7, "anthropic");
    vault.setSecret(7, "anthropic", VALUE);
    const second = rawRow(7, "anthropic");
    expect(first.nonce).toHaveLength(12);
    expect(first.tag).toHaveLength(16);
    expect(first.nonce.equals(second.nonce)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
  });

  it.each(["ciphertext", "tag", "nonce"] as const)("reports a modified %s as tampered", (column) => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", VALUE);
    flipFirstByte(column);
    const error = vaultErrorOf(() => vault.getSecret(7, "anthropic"));
    expect(error.code).toBe("tampered");
    expect(error.message).not.toContain(VALUE);
  });

  it("reports a truncated nonce or tag as tampered", () => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", VALUE);
    db.prepare(`UPDATE secrets SET tag = ?`).run(rawRow(7, "anthropic").tag.subarray(0, 4));
    expect(vaultErrorOf(() => vault.getSecret(7, "anthropic")).code).toBe("tampered");
  });

  it("does not decrypt a record copied to another installation or provider", () => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", VALUE);
    db.exec(`
      INSERT INTO secrets (installation_id, provider, key_version, nonce, ciphertext, tag, updated_at)
        SELECT 8, provider, key_version, nonce, ciphertext, tag, updated_at FROM secrets WHERE installation_id = 7;
      INSERT INTO secrets (installation_id, provider, key_version, nonce, ciphertext, tag, updated_at)
        SELECT installation_id, 'openai', key_version, nonce, ciphertext, tag, updated_at FROM secrets WHERE installation_id = 7;
    `);
    const moved = vaultErrorOf(() => vault.getSecret(8, "anthropic"));
    expect(moved.code).toBe("tampered");
    expect(moved.context).toEqual({ installationId: 8, provider: "anthropic", keyVersion: 1 });
    expect(vaultErrorOf(() => vault.getSecret(7, "openai")).code).toBe("tampered");
    expect(vault.getSecret(7, "anthropic")).toBe(VALUE);
  });

  it("reports the wrong master key as tampered, without key material in the message", () => {
    createVault(db, [key1], now).setSecret(7, "anthropic", VALUE);
    const other: VaultKey = { version: 1, key: randomBytes(32) };
    const error = vaultErrorOf(() => createVault(db, [other], now).getSecret(7, "anthropic"));
    expect(error.code).toBe("tampered");
    for (const material of [key1.key, other.key]) {
      expect(error.message).not.toContain(material.toString("base64"));
      expect(error.message).not.toContain(material.toString("hex"));
    }
  });

  it("names a key version that HAMSTER_VAULT_KEY does not list", () => {
    createVault(db, [key2], now).setSecret(7, "anthropic", VALUE);
    const error = vaultErrorOf(() => createVault(db, [key1], now).getSecret(7, "anthropic"));
    expect(error.code).toBe("unknown_key_version");
    expect(error.message).toContain("key version 2");
    expect(error.message).toContain("HAMSTER_VAULT_KEY");
  });

  it("rotates from version 1 to 2: readable before and after, re-encrypted, counted", () => {
    const old = createVault(db, [key1], now);
    old.setSecret(7, "anthropic", VALUE);
    old.setSecret(9, "openai", "sk-openai");
    const before = rawRow(7, "anthropic");

    const both = createVault(db, [key1, key2], () => new Date("2026-12-01T00:00:00.000Z"));
    expect(both.currentKeyVersion).toBe(2);
    expect(both.getSecret(7, "anthropic")).toBe(VALUE);
    both.setSecret(11, "anthropic", "new-one");
    expect(both.listSecrets().map((s) => s.keyVersion)).toEqual([1, 1, 2]);

    expect(both.rotate()).toBe(2);
    expect(both.listSecrets().map((s) => s.keyVersion)).toEqual([2, 2, 2]);
    const after = rawRow(7, "anthropic");
    expect(after.key_version).toBe(2);
    expect(after.nonce.equals(before.nonce)).toBe(false);
    expect(both.getSecret(7, "anthropic")).toBe(VALUE);
    expect(both.getSecret(9, "openai")).toBe("sk-openai");
    // Version 1 can now be retired.
    expect(createVault(db, [key2], now).getSecret(7, "anthropic")).toBe(VALUE);
    expect(both.rotate()).toBe(0);
  });

  it("rotates all or nothing when a record fails to decrypt", () => {
    const vault = createVault(db, [key1], now);
    vault.setSecret(7, "anthropic", VALUE);
    vault.setSecret(8, "anthropic", VALUE);
    flipFirstByte("tag", 8);
    expect(vaultErrorOf(() => createVault(db, [key1, key2], now).rotate()).code).toBe("tampered");
    expect(vault.listSecrets().map((s) => s.keyVersion)).toEqual([1, 1]);
  });

  it("says how to make a key when none is configured, and still lists and deletes", () => {
    createVault(db, [key1], now).setSecret(7, "anthropic", VALUE);
    const vault = createVault(db, undefined, now);
    expect(vault.currentKeyVersion).toBeNull();
    for (const action of [() => vault.setSecret(7, "openai", "x"), () => vault.getSecret(7, "anthropic"), () => vault.rotate()]) {
      const error = vaultErrorOf(action);
      expect(error.code).toBe("no_key");
      expect(error.message).toContain("openssl rand -base64 32");
    }
    expect(vault.listSecrets()).toHaveLength(1);
    expect(vault.deleteSecret(7, "anthropic")).toBe(true);
  });

  it("validates providers, installations and values without repeating them", () => {
    const vault = createVault(db, [key1], now);
    for (const provider of ["Anthropic", "", "-x", "a".repeat(33), "sk-ant/canary", "open ai"]) {
      const error = vaultErrorOf(() => vault.setSecret(7, provider, VALUE));
      expect(error.code).toBe("invalid_provider");
      if (provider !== "") expect(error.message).not.toContain(provider);
    }
    expect(() => vault.setSecret(7, "a".repeat(32), "ok")).not.toThrow();
    expect(() => vault.setSecret(7, "open-ai2", "ok")).not.toThrow();
    expect(vaultErrorOf(() => vault.setSecret(0, "anthropic", VALUE)).code).toBe("invalid_installation");
    expect(vaultErrorOf(() => vault.setSecret(1.5, "anthropic", VALUE)).code).toBe("invalid_installation");
    expect(vaultErrorOf(() => vault.setSecret(7, "anthropic", "")).code).toBe("empty_value");
  });

  it("refuses malformed keys", () => {
    expect(vaultErrorOf(() => createVault(db, [{ version: 1, key: randomBytes(16) }])).code).toBe("invalid_key");
    expect(vaultErrorOf(() => createVault(db, [key1, { version: 1, key: randomBytes(32) }])).code).toBe("invalid_key");
    expect(vaultErrorOf(() => createVault(db, [{ version: 0, key: randomBytes(32) }])).code).toBe("invalid_key");
  });
});

describe("HAMSTER_VAULT_KEY", () => {
  const b64 = (bytes: Buffer) => bytes.toString("base64");

  it("is optional", () => {
    expect(parseSettings({}).vaultKeys).toBeUndefined();
    expect(parseSettings({ HAMSTER_VAULT_KEY: "" }).vaultKeys).toBeUndefined();
  });

  it("reads a plain single key as version 1", () => {
    const keys = parseSettings({ HAMSTER_VAULT_KEY: b64(key1.key) }).vaultKeys;
    expect(keys).toHaveLength(1);
    expect(keys![0]!.version).toBe(1);
    expect(keys![0]!.key.equals(key1.key)).toBe(true);
  });

  it("reads several versioned keys, highest first, with spaces around entries", () => {
    const keys = parseSettings({ HAMSTER_VAULT_KEY: `1:${b64(key1.key)}, 3:${b64(key2.key)}` }).vaultKeys!;
    expect(keys.map((k) => k.version)).toEqual([3, 1]);
    expect(keys[0]!.key.equals(key2.key)).toBe(true);
    expect(keys[1]!.key.equals(key1.key)).toBe(true);
    // A single versioned key is fine too.
    expect(parseSettings({ HAMSTER_VAULT_KEY: `5:${b64(key1.key)}` }).vaultKeys!.map((k) => k.version)).toEqual([5]);
  });

  function settingsErrorOf(env: NodeJS.ProcessEnv): string {
    try {
      parseSettings(env);
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      return (error as Error).message;
    }
    throw new Error("expected a SettingsError");
  }

  it("reports a key that is not 32 bytes, and bad base64, without the key material", () => {
    const short = b64(randomBytes(16));
    const notBase64 = "this-is-not*base64!";
    const message = settingsErrorOf({ HAMSTER_VAULT_KEY: `2:${short},1:${notBase64}` });
    expect(message).toContain("HAMSTER_VAULT_KEY: entry 1 (version 2) decodes to 16 bytes but must be exactly 32");
    expect(message).toContain("HAMSTER_VAULT_KEY: entry 2 (version 1) is not valid base64");
    expect(message).toContain("openssl rand -base64 32");
    expect(message).not.toContain(short);
    expect(message).not.toContain(notBase64);
  });

  it("reports a duplicate version and keys without versions among several, without the key material", () => {
    const a = b64(key1.key);
    const b = b64(key2.key);
    const message = settingsErrorOf({ HAMSTER_VAULT_KEY: `1:${a},1:${b},${a},x:${b},` });
    expect(message).toContain("entry 2 (version 1) repeats a version");
    expect(message).toContain("entry 3 has no version");
    expect(message).toContain("entry 4 has a version that is not a positive integer");
    expect(message).toContain("entry 5 is empty");
    expect(message).not.toContain(a);
    expect(message).not.toContain(b);
    expect(message).not.toContain(a.slice(0, 12));
  });

  it("reports its problems together with the other variables'", () => {
    const message = settingsErrorOf({ HAMSTER_VAULT_KEY: "1:abcd", HAMSTER_CONCURRENCY: "0" });
    expect(message).toContain("- HAMSTER_CONCURRENCY:");
    expect(message).toContain("- HAMSTER_VAULT_KEY: the key (version 1) decodes to 3 bytes");
  });

  it("parses directly too", () => {
    expect(parseVaultKeys(`0:${b64(key1.key)}`)).toEqual({ ok: false, problems: ["the key has a version that is not a positive integer"] });
  });
});
