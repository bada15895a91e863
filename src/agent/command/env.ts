import { buildCommandEnv } from "../tools/bash.js";
import type { ModelEndpoint } from "../provider.js";
import type { CommandAgentSpec } from "./spec.js";

/** The app's environment as the CLI sees it: its model API variables replaced by the gateway's, when there is one. */
export function withModelEndpoint(spec: CommandAgentSpec, env: NodeJS.ProcessEnv, endpoint: ModelEndpoint | undefined): NodeJS.ProcessEnv {
  if (endpoint === undefined || spec.modelEndpointEnv === undefined) return env;
  return { ...env, [spec.modelEndpointEnv.baseUrl]: endpoint.baseUrl, [spec.modelEndpointEnv.apiKey]: endpoint.apiKey };
}

/** The CLI's whole environment: its HOME, PATH, its spec's variables and switches, nothing else of the app's. */
export function buildAgentEnv(spec: CommandAgentSpec, env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  return buildCommandEnv({
    HOME: home,
    // The PATH the registry found the CLI on, so its interpreter (node, python) is found too.
    ...(env["PATH"] !== undefined && env["PATH"] !== "" ? { PATH: env["PATH"] } : {}),
    ...pickEnv(env, spec.passEnv),
    ...spec.fixedEnv,
  });
}

function pickEnv(env: NodeJS.ProcessEnv, keys: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  return picked;
}
