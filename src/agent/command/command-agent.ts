import type { AgentProvider } from "../provider.js";
import type { CommandAgentOptions } from "./options.js";
import { startCommandSession } from "./session.js";
import type { CommandAgentSpec } from "./spec.js";

/** A provider that runs the installed CLI `spec` describes, at `options.executablePath`, in the checkout. */
export function createCommandAgent(spec: CommandAgentSpec, options: CommandAgentOptions): AgentProvider {
  return {
    name: spec.name,
    startSession: (request) => startCommandSession(spec, options, request),
  };
}
