import { EXECUTOR_NAMES, type ExecutorName } from "../domain/executor-name.js";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { DEFAULT_SETUP_ALLOW_HOSTS, parseHostPattern, type HostPattern } from "../sandbox/egress-allowlist.js";
import { buildSandboxSettings } from "../sandbox/sandbox-settings.js";
import type { SandboxSettings } from "../sandbox/sandbox.js";
import { parseUpstreamProxies, type UpstreamProxies } from "../sandbox/upstream-proxy.js";
import { z } from "zod";
import { parseVaultKeys, type VaultKey } from "../store/vault-key.js";

/**
 * The app's own settings, read from the environment once at start. Probot reads its own
 * variables (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, LOG_LEVEL, GHE_HOST, …).
 */
const MiB = 1024 ** 2;
const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** Comma-separated host patterns (see egress-allowlist.ts); every bad entry is its own problem. */
function hostList() {
  return z.string().transform((text, context) => {
    const patterns: HostPattern[] = [];
    for (const entry of text.split(",").filter((part) => part.trim() !== "")) {
      const parsed = parseHostPattern(entry);
      if (parsed.ok) patterns.push(parsed.pattern);
      else context.addIssue({ code: "custom", message: parsed.problem });
    }
    return patterns;
  });
}

const EnvSchema = z.object({
  HAMSTER_DATA_DIR: z.string().min(1).default("./data"),
  HAMSTER_SANDBOX: z.enum(["bubblewrap", "off"]).default("bubblewrap"),
  HAMSTER_SANDBOX_NETWORK: z.enum(["none", "host"]).default("none"),
  HAMSTER_SANDBOX_HIDE: z
    .string()
    .refine((v) => v.split(":").every((p) => p === "" || isAbsolute(p)), "must be absolute paths separated by ':'")
    .optional(),
  HAMSTER_SETUP_NETWORK: z.enum(["proxy", "host", "none"]).default("proxy"),
  HAMSTER_SETUP_ALLOW_HOSTS: hostList().prefault(DEFAULT_SETUP_ALLOW_HOSTS.join(",")),
  HAMSTER_AGENT_CLI_NETWORK: z.enum(["proxy", "host"]).default("proxy"),
  // Added to each CLI's own model API hosts, which need no listing.
  HAMSTER_AGENT_CLI_ALLOW_HOSTS: hostList().prefault(""),
  HAMSTER_SANDBOX_MEMORY_MB: positiveInt(4096, 1_048_576),
  HAMSTER_SANDBOX_PROCESSES: positiveInt(512, 65_536),
  HAMSTER_SANDBOX_FILE_MB: positiveInt(1024, 1_048_576),
  HAMSTER_CONCURRENCY: positiveInt(2, 64),
  HAMSTER_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "must be a model id such as claude-sonnet-5-5")
    .default("claude-sonnet-5-5"),
  HAMSTER_MAX_TURNS: positiveInt(60, 1000),
  HAMSTER_MAX_OUTPUT_TOKENS: positiveInt(16_000, 128_000),
  HAMSTER_COMMAND_TIMEOUT_SECONDS: positiveInt(600, 86_400),
  HAMSTER_RUN_MINUTES: positiveInt(60, 1440),
  HAMSTER_SHUTDOWN_GRACE_SECONDS: positiveInt(25, 3600),
  HAMSTER_MIRROR_MAX_AGE_DAYS: positiveInt(14, 3650),
  HAMSTER_MIRROR_MAX_GB: positiveInt(20, 1_000_000),
  HAMSTER_GIT_AUTHOR_NAME: z.string().min(1).default("Hamster Deliver"),
  HAMSTER_GIT_AUTHOR_EMAIL: z.string().email().default("hamster-deliver[bot]@users.noreply.github.com"),
  HAMSTER_EXECUTOR: z.enum(EXECUTOR_NAMES).default("local"),
  HAMSTER_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  HAMSTER_ACTIONS_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  // Probot's own: a GitHub Enterprise Server's Actions issue their OIDC tokens themselves.
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  PORT: positiveInt(3000, 65_535),
  // The app's OAuth credentials (Probot's manifest setup writes them to .env): the web console's sign-in.
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
});

export interface AppSettings {
  readonly dataDir: string;
  readonly concurrency: number;
  readonly defaultModel: string;
  readonly maxTurns: number;
  readonly maxOutputTokens: number;
  readonly commandTimeoutMs: number;
  /** Wall-clock budget of a run, unless the repository sets its own. */
  readonly runMinutes: number;
  /** On SIGTERM, how long running runs get to reach a stage boundary. */
  readonly shutdownGraceMs: number;
  readonly gitAuthor: { readonly name: string; readonly email: string };
  /** Repository mirrors under `<dataDir>/mirrors`: removed when unused this long, or least recently used first above this size. */
  readonly mirrors: { readonly maxAgeMs: number; readonly maxTotalBytes: number };
  /** Where runs execute unless the repository says otherwise (HAMSTER_EXECUTOR). */
  readonly executor: ExecutorName;
  /** The app's address as its executors and runners reach it: the runner protocol and the model gateway. */
  readonly publicUrl: string;
  /** Who issues the OIDC tokens of the repository's Actions jobs (`executor: actions`). */
  readonly actionsOidcIssuer: string;
  /** The GitHub the app talks to: its web address (sign-in pages) and its REST API, GHES's when GHE_HOST is set. */
  readonly github: { readonly webUrl: string; readonly apiUrl: string };
  /**
   * The app's OAuth credentials (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET) for signing in to the web
   * console; without them the console only says it needs them.
   */
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string };
  readonly anthropicApiKey: string | undefined;
  readonly anthropicBaseUrl: string | undefined;
  /**
   * The network of the repository's setup commands: through the egress proxy to the
   * allowed hosts only (default), the host's network, or none.
   */
  readonly setupNetwork: { readonly mode: "proxy" | "host" | "none"; readonly allowHosts: readonly HostPattern[]; readonly upstream?: UpstreamProxies };
  /**
   * The network of command-line agents (claude-code, codex, aider) when sandboxed: through
   * the egress proxy to their model API's hosts plus `allowHosts` (default), or the host's.
   * Both egress proxies chain to `upstream`, the app's own HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
   */
  readonly agentCliNetwork: { readonly mode: "proxy" | "host"; readonly allowHosts: readonly HostPattern[]; readonly upstream?: UpstreamProxies };
  /** Where every command of the agent, setup and tests runs; `off` only when an admin says so. */
  readonly sandbox: SandboxSettings;
  /**
   * The secrets vault's master keys from HAMSTER_VAULT_KEY, highest version first (it
   * encrypts; all decrypt). Undefined when the variable is not set.
   */
  readonly vaultKeys?: readonly VaultKey[];
}

export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** Parses the environment; every problem is reported at once. */
export function parseSettings(env: NodeJS.ProcessEnv): AppSettings {
  // An empty variable means "not set", as in most shells' `VAR=` idiom.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = EnvSchema.safeParse(present);
  const problems = result.success ? [] : result.error.issues.map((issue) => `- ${issue.path.join(".")}: ${issue.message}`);
  // Parsed beside the schema so its problems join the others; they never quote the key material.
  const vaultKeyText = present["HAMSTER_VAULT_KEY"];
  const vault = vaultKeyText === undefined ? undefined : parseVaultKeys(vaultKeyText);
  if (vault && !vault.ok) problems.push(...vault.problems.map((problem) => `- HAMSTER_VAULT_KEY: ${problem}`));
  const upstream = parseUpstreamProxies(present);
  if (!upstream.ok) problems.push(...upstream.problems.map((problem) => `- ${problem}`));
  // The console signs in with both or neither; one alone is a half-finished setup.
  if ((present["GITHUB_CLIENT_ID"] === undefined) !== (present["GITHUB_CLIENT_SECRET"] === undefined)) {
    problems.push("- GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both (the app's OAuth credentials, for the web console) or neither");
  }
  if (!result.success || problems.length > 0) {
    throw new SettingsError(`Invalid configuration in the environment:\n${problems.join("\n")}`);
  }
  const e = result.data;
  const chainTo = upstream.ok && upstream.proxies !== undefined ? { upstream: upstream.proxies } : {};
  return {
    dataDir: resolve(e.HAMSTER_DATA_DIR),
    concurrency: e.HAMSTER_CONCURRENCY,
    defaultModel: e.HAMSTER_MODEL,
    maxTurns: e.HAMSTER_MAX_TURNS,
    maxOutputTokens: e.HAMSTER_MAX_OUTPUT_TOKENS,
    commandTimeoutMs: e.HAMSTER_COMMAND_TIMEOUT_SECONDS * 1000,
    runMinutes: e.HAMSTER_RUN_MINUTES,
    shutdownGraceMs: e.HAMSTER_SHUTDOWN_GRACE_SECONDS * 1000,
    gitAuthor: { name: e.HAMSTER_GIT_AUTHOR_NAME, email: e.HAMSTER_GIT_AUTHOR_EMAIL },
    mirrors: { maxAgeMs: e.HAMSTER_MIRROR_MAX_AGE_DAYS * 86_400_000, maxTotalBytes: e.HAMSTER_MIRROR_MAX_GB * 1024 ** 3 },
    executor: e.HAMSTER_EXECUTOR,
    // Probot listens on localhost by default; a runner on this machine finds it there.
    publicUrl: (e.HAMSTER_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    actionsOidcIssuer: (
      e.HAMSTER_ACTIONS_OIDC_ISSUER ?? (e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/_services/token` : "https://token.actions.githubusercontent.com")
    ).replace(/\/+$/, ""),
    github: e.GHE_HOST
      ? { webUrl: `${e.GHE_PROTOCOL}://${e.GHE_HOST}`, apiUrl: `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` }
      : { webUrl: "https://github.com", apiUrl: "https://api.github.com" },
    ...(e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET ? { oauth: { clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET } } : {}),
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    ...(vault?.ok ? { vaultKeys: vault.keys } : {}),
    setupNetwork: { mode: e.HAMSTER_SETUP_NETWORK, allowHosts: e.HAMSTER_SETUP_ALLOW_HOSTS, ...chainTo },
    agentCliNetwork: { mode: e.HAMSTER_AGENT_CLI_NETWORK, allowHosts: e.HAMSTER_AGENT_CLI_ALLOW_HOSTS, ...chainTo },
    sandbox: buildSandboxSettings({
      mode: e.HAMSTER_SANDBOX,
      network: e.HAMSTER_SANDBOX_NETWORK,
      dataDir: resolve(e.HAMSTER_DATA_DIR),
      appDir: process.cwd(),
      ...(present["PRIVATE_KEY_PATH"] ? { privateKeyPath: present["PRIVATE_KEY_PATH"] } : {}),
      appHome: homedir(),
      extraHidePaths: (e.HAMSTER_SANDBOX_HIDE ?? "").split(":").filter((p) => p !== ""),
      limits: {
        memoryBytes: e.HAMSTER_SANDBOX_MEMORY_MB * MiB,
        processes: e.HAMSTER_SANDBOX_PROCESSES,
        fileSizeBytes: e.HAMSTER_SANDBOX_FILE_MB * MiB,
      },
    }),
  };
}
