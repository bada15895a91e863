import { describe, expect, it } from "vitest";
import { AGENT_CLI_REFUSALS } from "../../src/agent/command-agent.js";
import { renderRefusedHosts } from "../../src/sandbox/render-refused-hosts.js";
import { SETUP_REFUSALS } from "../../src/worker/run-setup.js";

describe("renderRefusedHosts", () => {
  it("says nothing when nothing was refused, and lists at most ten hosts", () => {
    expect(renderRefusedHosts({ allowed: [{ host: "registry.npmjs.org", requests: 3 }], refused: [] }, SETUP_REFUSALS)).toBe("");
    const refused = Array.from({ length: 12 }, (_, i) => ({ host: `h${i}.example`, requests: 1, reason: "not in the allowlist" }));
    const text = renderRefusedHosts({ allowed: [], refused }, SETUP_REFUSALS);
    expect(text).toContain("h9.example (not in the allowlist) and 2 more");
    expect(text).not.toContain("h10.example");
  });

  it("names the settings of whoever was refused: setup commands or a command-line agent", () => {
    const report = { allowed: [], refused: [{ host: "evil.example", requests: 2, reason: "not in the allowlist" }] };
    const setup = renderRefusedHosts(report, SETUP_REFUSALS);
    expect(setup).toContain("Setup commands reach only the hosts an admin allowed, and Hamster's egress proxy refused: evil.example (not in the allowlist).");
    expect(setup).toContain("HAMSTER_SETUP_ALLOW_HOSTS");
    expect(setup).toContain("HAMSTER_SETUP_NETWORK=host");
    const agent = renderRefusedHosts(report, AGENT_CLI_REFUSALS);
    expect(agent).toContain("evil.example (not in the allowlist)");
    expect(agent).toContain("HAMSTER_AGENT_CLI_ALLOW_HOSTS");
    expect(agent).toContain("HAMSTER_AGENT_CLI_NETWORK=host");
    expect(agent).not.toContain("HAMSTER_SETUP");
  });
});
