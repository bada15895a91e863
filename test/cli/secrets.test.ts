import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSecrets } from "../../src/cli/secrets.js";
import { openDatabase } from "../../src/store/database.js";
import { captureText, runMain } from "../helpers/cli.js";
import { anthropicLike } from "../security/fake-secrets.js";

const CANARY = anthropicLike("CANARY-7f3e9c1d-do-not-print");
const KEY1 = randomBytes(32).toString("base64");
const KEY2 = randomBytes(32).toString("base64");

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-secrets-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function hamster(argv: string[], options: { stdin?: string; vaultKey?: string | undefined } = {}) {
  const env: NodeJS.ProcessEnv = { HAMSTER_DATA_DIR: join(dir, "data") };
  const vaultKey = "vaultKey" in options ? options.vaultKey : KEY1;
  if (vaultKey !== undefined) env["HAMSTER_VAULT_KEY"] = vaultKey;
  const { code, out, err } = await runMain(argv, env, options.stdin);
  const result = { code, stdout: out, stderr: err };
  expect(result.stdout + result.stderr).not.toContain(CANARY);
  for (const key of [KEY1, KEY2]) expect(result.stdout + result.stderr).not.toContain(key);
  return result;
}

describe("hamster secrets", () => {
  it("stores a key from stdin, lists it, and never shows the value", async () => {
    const set = await hamster(["secrets", "set", "--installation", "123", "--provider", "anthropic"], { stdin: `${CANARY}\n` });
    expect(set).toEqual({ code: 0, stdout: "Stored the anthropic key for installation 123 (key version 1).\n", stderr: "" });

    const list = await hamster(["secrets", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^INSTALLATION\s+PROVIDER\s+KEY VERSION\s+UPDATED\s+BY$/);
    // Who set it: the operating-system user, as the console records the GitHub login.
    expect(lines[1]).toMatch(new RegExp(`^123\\s+anthropic\\s+1\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+cli:${userInfo().username}$`));
    expect(lines).toHaveLength(2);

    // The value reached the database intact (the trailing newline trimmed)…
    const db = openDatabase(join(dir, "data"));
    try {
      const { createVault } = await import("../../src/store/vault.js");
      const { parseVaultKeys } = await import("../../src/store/vault-key.js");
      const keys = parseVaultKeys(KEY1);
      if (!keys.ok) throw new Error("bad test key");
      expect(createVault(db, keys.keys).getSecret(123, "anthropic")).toBe(CANARY);
    } finally {
      db.close();
    }
    // …and no file under the data directory holds it in clear text.
    const files = readdirSync(join(dir, "data"));
    expect(files).toContain("hamster.db");
    for (const file of files) {
      const bytes = readFileSync(join(dir, "data", file));
      expect(bytes.includes(Buffer.from(CANARY)), file).toBe(false);
      expect(bytes.includes(Buffer.from("CANARY-7f3e9c1d")), file).toBe(false);
    }
  });

  it("refuses --value, explaining why, without repeating it", async () => {
    for (const args of [["--value", CANARY], [`--value=${CANARY}`]]) {
      const result = await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic", ...args], { stdin: "unused\n" });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("standard input");
      expect(result.stderr).toContain("process list");
    }
    expect((await hamster(["secrets", "list"])).stdout).toBe("No secrets are stored.\n");
  });

  it("refuses a key given as a positional argument without repeating it", async () => {
    const result = await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic", CANARY], { stdin: "x" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("standard input");
  });

  it("refuses empty stdin", async () => {
    for (const stdin of ["", "\n", "\r\n", "  \n"]) {
      const result = await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic"], { stdin });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("empty");
    }
  });

  it("reports usage mistakes with exit code 2", async () => {
    expect((await hamster(["secrets", "set", "--provider", "anthropic"], { stdin: CANARY })).code).toBe(2);
    const badInstallation = await hamster(["secrets", "set", "--installation", "12x", "--provider", "anthropic"], { stdin: CANARY });
    expect(badInstallation.code).toBe(2);
    expect(badInstallation.stderr).toContain("--installation");
    const badProvider = await hamster(["secrets", "set", "--installation", "1", "--provider", CANARY], { stdin: "x" });
    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toContain("provider");
    expect((await hamster(["secrets", "frobnicate"])).code).toBe(2);
    expect((await hamster(["secrets", "list", "--bogus"])).code).toBe(2);
    expect((await hamster(["secrets"])).code).toBe(2);
    const help = await hamster(["secrets", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("hamster secrets set");
    expect((await hamster(["--help"])).stdout).toContain("hamster secrets");
  });

  it("says how to make a key when HAMSTER_VAULT_KEY is missing, and reports a bad one without its material", async () => {
    const missing = await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic"], { stdin: CANARY, vaultKey: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("openssl rand -base64 32");
    expect((await hamster(["secrets", "list"], { vaultKey: undefined })).code).toBe(0);

    const short = randomBytes(16).toString("base64");
    const bad = await hamster(["secrets", "list"], { vaultKey: short });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("HAMSTER_VAULT_KEY");
    expect(bad.stderr).not.toContain(short);
  });

  it("deletes a key", async () => {
    await hamster(["secrets", "set", "--installation", "5", "--provider", "openai"], { stdin: CANARY });
    const deleted = await hamster(["secrets", "delete", "--installation", "5", "--provider", "openai"]);
    expect(deleted).toMatchObject({ code: 0, stdout: "Deleted the openai key for installation 5.\n" });
    const again = await hamster(["secrets", "delete", "--installation", "5", "--provider", "openai"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("No openai key is stored for installation 5.");
  });

  it("rotates to the newest key and prints the count", async () => {
    await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic"], { stdin: CANARY });
    await hamster(["secrets", "set", "--installation", "2", "--provider", "anthropic"], { stdin: CANARY });
    const both = `2:${KEY2},1:${KEY1}`;
    const set = await hamster(["secrets", "set", "--installation", "3", "--provider", "openai"], { stdin: CANARY, vaultKey: both });
    expect(set.stdout).toBe("Stored the openai key for installation 3 (key version 2).\n");
    const rotated = await hamster(["secrets", "rotate"], { vaultKey: both });
    expect(rotated).toEqual({ code: 0, stdout: "Re-encrypted 2 secrets under key version 2.\n", stderr: "" });
    const list = await hamster(["secrets", "list"], { vaultKey: `2:${KEY2}` });
    expect(list.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(/\s+/)[2])).toEqual(["2", "2", "2"]);

    // A record under a version no longer listed: the CLI says which, with exit code 2.
    const retired = await hamster(["secrets", "rotate"], { vaultKey: `3:${KEY1}` });
    expect(retired.code).toBe(2);
    expect(retired.stderr).toContain("key version 2");
  });

  it("reports a wrong master key as a failure (exit 1)", async () => {
    await hamster(["secrets", "set", "--installation", "1", "--provider", "anthropic"], { stdin: CANARY });
    const result = await hamster(["secrets", "rotate"], { vaultKey: `1:${KEY1},2:${KEY2}` });
    expect(result.code).toBe(0);
    const wrong = await hamster(["secrets", "rotate"], { vaultKey: `2:${KEY1},3:${KEY2}` });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("failed authentication");
  });

  it("reads a value written in several chunks", async () => {
    const stdin = new PassThrough();
    const out = captureText();
    const err = captureText();
    const done = runSecrets(["set", "--installation", "9", "--provider", "anthropic"], {
      in: stdin,
      out: out.stream,
      err: err.stream,
      env: { HAMSTER_DATA_DIR: join(dir, "data"), HAMSTER_VAULT_KEY: KEY1 },
    });
    stdin.write(CANARY.slice(0, 10));
    stdin.end(`${CANARY.slice(10)}\n`);
    expect(await done).toBe(0);
    expect(out.text()).toBe("Stored the anthropic key for installation 9 (key version 1).\n");
  });
});
