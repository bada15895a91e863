import { describe, expect, it } from "vitest";
import type { AgentProvider } from "../../src/agent/provider.js";
import { resolveRunAgent, type AgentSources } from "../../src/lifecycle/resolve-run-agent.js";
import { anthropicKey } from "../security/fake-secrets.js";

const provider = (name: string) => ({ name }) as unknown as AgentProvider;
const sources: AgentSources = {
  getAgent: (name) => (["claude", "claude-code", "codex", "aider"].includes(name) ? provider(name) : { unavailable: `There is no agent "${name}".` }),
};
const request = { installationId: 1, appAnthropicKey: anthropicKey("app") };

describe("resolveRunAgent", () => {
  it("runs any available agent on the local executor", () => {
    for (const agentName of ["claude", "claude-code", "codex", "aider"]) {
      expect(resolveRunAgent(sources, { ...request, agentName })).toMatchObject({ ok: true, agent: { name: agentName } });
    }
  });

  it("runs the agents whose calls go through the gateway in a runner, and refuses the ones that bring their own key, saying why", () => {
    for (const agentName of ["claude", "claude-code"]) {
      expect(resolveRunAgent(sources, { ...request, agentName, executor: "process" })).toMatchObject({ ok: true });
    }
    for (const agentName of ["codex", "aider"]) {
      const resolved = resolveRunAgent(sources, { ...request, agentName, executor: "process" });
      expect(resolved).toEqual({ ok: false, reason: expect.stringContaining(`The agent "${agentName}" calls its model with its own provider key, which a runner never holds`) });
      expect(resolved.ok || resolved.reason).toContain("`executor: process`");
    }
  });

  it("says an unknown agent is unknown, whatever the executor", () => {
    expect(resolveRunAgent(sources, { ...request, agentName: "nope", executor: "process" })).toEqual({ ok: false, reason: 'There is no agent "nope".' });
  });
});
