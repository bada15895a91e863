import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Variables whose whole value is a secret, wherever they are set. */
export const SECRET_VARIABLES = [
  "WEBHOOK_SECRET",
  "PRIVATE_KEY",
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "CODEX_API_KEY",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "HAMSTER_VAULT_KEY",
  "SENTRY_DSN",
  "REDIS_URL",
  "GITHUB_CLIENT_SECRET",
] as const;

/** Proxy URLs that may carry `user:password@`. */
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] as const;

function readProxyPassword(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const password = new URL(value).password;
    if (password === "") return [];
    const decoded = decodeURIComponent(password);
    return decoded === password ? [password] : [password, decoded];
  } catch {
    // Not a URL, or not valid percent-encoding: the settings check reports it.
    return [];
  }
}

/**
 * The app's secrets as the environment gives them, and the forms the app turns them into:
 * the private key as Probot reads it (base64-decoded, `\n` unescaped, or from
 * PRIVATE_KEY_PATH), each vault master key of HAMSTER_VAULT_KEY (`2:BASE64,1:BASE64`) on
 * its own. Never throws: a file that cannot be read is skipped (Probot reports it).
 */
export function collectAppSecrets(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string[] {
  const secrets: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") secrets.push(value);
  }

  const privateKey = env["PRIVATE_KEY"];
  if (privateKey) {
    const decoded = /^[A-Za-z0-9+/=\s]+$/.test(privateKey) ? Buffer.from(privateKey, "base64").toString("utf8") : privateKey;
    if (decoded !== privateKey && decoded.includes("PRIVATE KEY")) secrets.push(decoded);
    if (decoded.includes("\\n")) secrets.push(decoded.replace(/\\n/g, "\n"));
  }
  const keyPath = env["PRIVATE_KEY_PATH"];
  if (keyPath) {
    try {
      secrets.push(readFileSync(resolve(cwd, keyPath), "utf8"));
    } catch {
      // Probot reports a missing key file itself.
    }
  }

  // An upstream proxy's password (the egress proxy chains to it) as written and as sent.
  for (const name of PROXY_VARIABLES) secrets.push(...readProxyPassword(env[name]));

  for (const entry of (env["HAMSTER_VAULT_KEY"] ?? "").split(",")) {
    const key = entry.trim().replace(/^[0-9]+:/, "");
    if (key !== "") secrets.push(key);
  }
  return secrets;
}
