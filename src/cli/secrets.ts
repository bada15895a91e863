import { userInfo } from "node:os";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { parseSettings, SettingsError } from "../config/env.js";
import { openDatabase } from "../store/database.js";
import { assertProviderName, createNoKeyError, createVault, VaultError, type SecretSummary, type Vault } from "../store/vault.js";
import { isParseArgsError } from "./cli-error.js";

export const SECRETS_USAGE = `Usage:
  hamster secrets set --installation ID --provider PROVIDER < key.txt
  hamster secrets list
  hamster secrets delete --installation ID --provider PROVIDER
  hamster secrets rotate

Commands:
  set     Stores an agent provider's API key (anthropic, openai, …) for a GitHub App
          installation. The key is read from standard input, never from an argument.
  list    Shows which keys are stored (installation, provider, key version, when and by whom), never their values.
  delete  Deletes a stored key.
  rotate  Re-encrypts every stored key under the newest version in HAMSTER_VAULT_KEY.

Keys are encrypted with HAMSTER_VAULT_KEY: a base64 key of 32 bytes (openssl rand -base64 32),
or version:key entries separated by commas (2:…,1:…) while rotating; the highest version
encrypts. The database is the one under HAMSTER_DATA_DIR.`;

/** Standard input holds one key, not a file: anything bigger is a mistake. */
const MAX_SECRET_BYTES = 64 * 1024;

export interface SecretsIo {
  readonly in: Readable;
  readonly out: Writable;
  readonly err: Writable;
  readonly env: NodeJS.ProcessEnv;
}

/** A mistake in how the command was called or configured: exit code 2. */
export class SecretsUsageError extends Error {
  override readonly name = "SecretsUsageError";
}

/** A failure that is neither usage nor configuration: exit code 1. */
class SecretsFailure extends Error {}

const VALUE_FLAG = /^--value(=|$)/;

const VALUE_REFUSED =
  "hamster secrets set does not take the key as an argument (--value): arguments are visible to other users " +
  "in the process list and are kept in shell history. Give it on standard input instead, for example\n" +
  "  hamster secrets set --installation 123 --provider anthropic < key.txt";

function parseCommandArgs(command: string, args: readonly string[], needsTarget: boolean): { installationId: number; provider: string } | null {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: needsTarget ? { installation: { type: "string" }, provider: { type: "string" } } : {},
    strict: true,
    // Positionals are refused here without being repeated: one may be a pasted key.
    allowPositionals: true,
  });
  if (positionals.length > 0) {
    throw new SecretsUsageError(
      command === "set" ? `hamster secrets set takes no positional arguments; the key is read from standard input.` : `hamster secrets ${command} takes no positional arguments.`,
    );
  }
  if (!needsTarget) return null;
  const { installation, provider } = values as { installation?: string; provider?: string };
  if (installation === undefined || provider === undefined) throw new SecretsUsageError(`hamster secrets ${command} needs --installation ID and --provider PROVIDER.`);
  if (!/^[1-9][0-9]{0,15}$/.test(installation) || !Number.isSafeInteger(Number(installation))) {
    throw new SecretsUsageError("--installation must be a GitHub App installation id: a positive integer.");
  }
  assertProviderName(provider);
  return { installationId: Number(installation), provider };
}

/** Reads standard input whole, refusing more than a key's worth. */
async function readSecretInput(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    chunks.push(buffer);
    if (size > MAX_SECRET_BYTES) {
      for (const c of chunks) c.fill(0);
      input.destroy();
      throw new SecretsUsageError(`Standard input is larger than ${MAX_SECRET_BYTES / 1024} KiB; it should hold only the key.`);
    }
  }
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  const text = all.toString("utf8");
  all.fill(0);
  // `echo KEY |` and files add a final newline (CRLF on Windows); the key itself never ends with one.
  return text.replace(/[\r\n]+$/, "");
}

/** Who a key set from here is recorded as set by: the operating-system user, as the console records a GitHub login. */
function findCliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No entry for this uid (a container's arbitrary user): the command is still known.
    return "cli";
  }
}

function renderTable(rows: readonly SecretSummary[]): string {
  const header = ["INSTALLATION", "PROVIDER", "KEY VERSION", "UPDATED", "BY"];
  const cells = rows.map((r) => [String(r.installationId), r.provider, String(r.keyVersion), r.updatedAt, r.updatedBy ?? "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

async function runCommand(command: string, args: readonly string[], io: SecretsIo): Promise<number> {
  if (!["set", "list", "delete", "rotate"].includes(command)) throw new SecretsUsageError(`Unknown secrets command "${command}".\n\n${SECRETS_USAGE}`);
  if (args.some((arg) => VALUE_FLAG.test(arg))) {
    throw new SecretsUsageError(command === "set" ? VALUE_REFUSED : `hamster secrets ${command} takes no --value.`);
  }
  const target = parseCommandArgs(command, args, command === "set" || command === "delete");
  const settings = parseSettings(io.env);

  // Fail on a missing key before waiting for standard input.
  if ((command === "set" || command === "rotate") && settings.vaultKeys === undefined) throw createNoKeyError();

  let value: string | undefined;
  if (command === "set") {
    if ((io.in as Partial<{ isTTY: boolean }>).isTTY) {
      io.err.write(`Paste the ${target!.provider} key, then press Enter and Ctrl-D (it is not stored in shell history):\n`);
    }
    value = await readSecretInput(io.in);
    if (value.trim() === "") throw new SecretsUsageError("Standard input was empty: pipe the key in, for example `hamster secrets set … < key.txt`.");
  }

  const db = openDatabase(settings.dataDir);
  try {
    const vault: Vault = createVault(db, settings.vaultKeys);
    switch (command) {
      case "set": {
        const { installationId, provider } = target!;
        vault.setSecret(installationId, provider, value!, findCliUser());
        io.out.write(`Stored the ${provider} key for installation ${installationId} (key version ${vault.currentKeyVersion}).\n`);
        return 0;
      }
      case "list": {
        const rows = vault.listSecrets();
        io.out.write(rows.length === 0 ? "No secrets are stored.\n" : `${renderTable(rows)}\n`);
        return 0;
      }
      case "delete": {
        const { installationId, provider } = target!;
        if (!vault.deleteSecret(installationId, provider)) throw new SecretsFailure(`No ${provider} key is stored for installation ${installationId}.`);
        io.out.write(`Deleted the ${provider} key for installation ${installationId}.\n`);
        return 0;
      }
      default: {
        const changed = vault.rotate();
        io.out.write(`Re-encrypted ${changed} ${changed === 1 ? "secret" : "secrets"} under key version ${vault.currentKeyVersion}.\n`);
        return 0;
      }
    }
  } finally {
    db.close();
  }
}

/** Exit codes of VaultError: configuration and usage problems are 2, a record that fails to decrypt is 1. */
function exitCodeOf(error: VaultError): number {
  return error.code === "tampered" ? 1 : 2;
}

/** `hamster secrets …`. Returns the process exit code: 0 ok, 2 usage or configuration, 1 other failures. */
export async function runSecrets(argv: readonly string[], io: SecretsIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out.write(`${SECRETS_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    return await runCommand(command, rest, io);
  } catch (error) {
    if (error instanceof SecretsUsageError || error instanceof SettingsError) {
      io.err.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof VaultError) {
      io.err.write(`${error.message}\n`);
      return exitCodeOf(error);
    }
    if (error instanceof SecretsFailure) {
      io.err.write(`${error.message}\n`);
      return 1;
    }
    if (isParseArgsError(error)) {
      io.err.write(`${error.message}\n\n${SECRETS_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
