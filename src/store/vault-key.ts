/**
 * The vault's master keys as `HAMSTER_VAULT_KEY` gives them: `version:base64key` entries
 * separated by commas (`2:BASE64,1:BASE64`), or one plain base64 key meaning version 1.
 * Pure parsing; problems are described without ever repeating the key material.
 */

/** One master key: AES-256, so exactly 32 bytes. */
export interface VaultKey {
  readonly version: number;
  readonly key: Buffer;
}

export const VAULT_KEY_BYTES = 32;

export const GENERATE_KEY_HINT = "generate one with `openssl rand -base64 32`";

export type VaultKeysResult =
  | { readonly ok: true; readonly keys: readonly VaultKey[] }
  | { readonly ok: false; readonly problems: readonly string[] };

const VERSION = /^[1-9][0-9]{0,8}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard base64 strictly (Buffer.from alone skips bad characters); null when it is not base64. */
function decodeBase64(text: string): Buffer | null {
  if (text === "" || !BASE64.test(text)) return null;
  return Buffer.from(text, "base64");
}

/**
 * Parses the variable's value into keys, highest version first. Every problem is
 * reported, each naming the entry by position and (when readable) its version.
 */
export function parseVaultKeys(value: string): VaultKeysResult {
  const entries = value.split(",").map((entry) => entry.trim());
  const problems: string[] = [];
  const keys: VaultKey[] = [];
  const seen = new Set<number>();
  entries.forEach((entry, index) => {
    const where = entries.length === 1 ? "the key" : `entry ${index + 1}`;
    if (entry === "") {
      problems.push(`${where} is empty; write each key as version:base64key, separated by commas`);
      return;
    }
    const colon = entry.indexOf(":");
    let version: number;
    let material: string;
    if (colon === -1) {
      if (entries.length > 1) {
        problems.push(`${where} has no version; with several keys write each as version:base64key (for example 2:…,1:…)`);
        return;
      }
      version = 1;
      material = entry;
    } else {
      const versionText = entry.slice(0, colon).trim();
      material = entry.slice(colon + 1).trim();
      // The version is not secret, but only a well-formed one is echoed back.
      if (!VERSION.test(versionText)) {
        problems.push(`${where} has a version that is not a positive integer`);
        return;
      }
      version = Number(versionText);
    }
    const label = `${where} (version ${version})`;
    const key = decodeBase64(material);
    if (key === null) {
      problems.push(`${label} is not valid base64; ${GENERATE_KEY_HINT}`);
      return;
    }
    if (key.length !== VAULT_KEY_BYTES) {
      problems.push(`${label} decodes to ${key.length} bytes but must be exactly ${VAULT_KEY_BYTES}; ${GENERATE_KEY_HINT}`);
      key.fill(0);
      return;
    }
    if (seen.has(version)) {
      problems.push(`${label} repeats a version already listed; each version must appear once`);
      key.fill(0);
      return;
    }
    seen.add(version);
    keys.push({ version, key });
  });
  if (problems.length > 0) {
    for (const { key } of keys) key.fill(0);
    return { ok: false, problems };
  }
  return { ok: true, keys: keys.sort((a, b) => b.version - a.version) };
}
