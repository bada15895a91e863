import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectAppSecrets } from "../../src/security/app-secrets.js";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { privateKeys } from "./fake-secrets.js";

describe("collectAppSecrets", () => {
  it("collects the secret variables and the forms Probot and the vault turn them into", () => {
    const { pkcs1, pkcs8 } = privateKeys();
    const vaultA = Buffer.alloc(32, 1).toString("base64");
    const vaultB = Buffer.alloc(32, 2).toString("base64");
    const dir = mkdtempSync(join(tmpdir(), "hamster-secrets-"));
    try {
      writeFileSync(join(dir, "app.pem"), pkcs8);
      const secrets = collectAppSecrets(
        {
          WEBHOOK_SECRET: "webhook-secret-value",
          PRIVATE_KEY: pkcs1.replace(/\n/g, "\\n"),
          PRIVATE_KEY_PATH: "app.pem",
          ANTHROPIC_API_KEY: "anthropic-key-value",
          HAMSTER_VAULT_KEY: `2:${vaultB},1:${vaultA}`,
          APP_ID: "12345",
        },
        dir,
      );
      expect(secrets).toEqual(expect.arrayContaining(["webhook-secret-value", "anthropic-key-value", pkcs1, pkcs8, vaultA, vaultB]));
      expect(secrets).not.toContain("12345");
      const redactor = createRedactor({ secrets });
      expect(redactor.redact(`key ${vaultA}`)).toBe(`key ${REDACTED}`);
      expect(redactor.redact(pkcs1.split("\n")[2]!)).toBe(REDACTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("collects an upstream proxy's password, as written and decoded, and nothing else of its URL", () => {
    const secrets = collectAppSecrets({ HTTPS_PROXY: "http://corp:p%40ss-w0rd@proxy.internal:3128", http_proxy: "http://proxy.internal:3128", HTTP_PROXY: "not a url" });
    expect(secrets).toEqual(["p%40ss-w0rd", "p@ss-w0rd"]);
  });

  it("decodes a base64 PRIVATE_KEY and survives an unreadable key file", () => {
    const { pkcs8 } = privateKeys();
    const encoded = Buffer.from(pkcs8).toString("base64");
    const secrets = collectAppSecrets({ PRIVATE_KEY: encoded, PRIVATE_KEY_PATH: "/nonexistent/key.pem" });
    expect(secrets).toEqual([encoded, pkcs8]);
  });
});
