import type { CommandAgentSpec } from "./spec.js";

/**
 * Replaces the values of the CLI's passEnv variables (its own key) in text it printed, so
 * they never reach a message or an event. Values shorter than 8 characters are left
 * alone: they would match ordinary text.
 */
export function createSecretRedactor(spec: CommandAgentSpec, env: NodeJS.ProcessEnv): (text: string) => string {
  const secrets = spec.passEnv.map((key) => env[key]).filter((value): value is string => value !== undefined && value.length >= 8);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}
