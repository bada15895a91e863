import { describe, expect, it } from "vitest";
import { AGENT_CLI_REFUSALS } from "../../src/agent/command/allowlist.js";
import { renderRefusedHosts } from "../../src/sandbox/render-refused-hosts.js";
import { SETUP_REFUSALS } from "../../src/runner/run-setup.js";

describe("renderRefusedHosts", () => {
  it("says nothing when nothing was refused, and lists at most ten hosts", () => {
    expect(renderRefusedHosts({ allowed: [{ host: "registry.npmjs.org", requests: 3 }], refused: [] }, SETUP_REFUSALS)).toBe("");
    const refused = Array.from({ length: 12 }, (_, i) => ({ host: `h${i}.example`, requests: 1, reason: "not in the allowlist" }));
    const text = renderRefusedHosts({ allowed: [], refused }, SETUP_REFUSALS);
    expect(text).toContain("h9.example (not in the allowlist) and 2 more");
    expect(text).not.toContain("h10.example");
  });

  it("names the settings of whoever was refused: setup commands or a command-line agent", () => {
    const report = { allowed: [], refused: [{ host: "evil.example", requests: 2, reason: "not in the allowlist", allowEntry: "evil.example" }] };
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

  it("names what to list for each refusal: the host, or the address a listed name resolves to; nothing for the metadata endpoint", () => {
    const report = {
      allowed: [],
      refused: [
        { host: "npm.corp.example", requests: 3, reason: "resolves to 10.20.30.40, a private address", allowEntry: "10.20.30.40" },
        { host: "cdn.example", requests: 1, reason: "not in the allowlist", allowEntry: "cdn.example" },
        { host: "169.254.169.254", requests: 1, reason: "not in the allowlist" },
      ],
    };
    expect(renderRefusedHosts(report, SETUP_REFUSALS)).toBe(
      " Setup commands reach only the hosts an admin allowed, and Hamster's egress proxy refused: npm.corp.example (resolves to 10.20.30.40, a private address), cdn.example (not in the allowlist), 169.254.169.254 (not in the allowlist). If setup needs them, an admin of the Hamster server adds 10.20.30.40, cdn.example to HAMSTER_SETUP_ALLOW_HOSTS (comma-separated: host names, `*.example.com` for its subdomains, IP addresses or CIDR ranges such as 10.0.0.0/8, which listed names may then resolve to), or sets HAMSTER_SETUP_NETWORK=host.",
    );
    const onlyPorts = { allowed: [], refused: [{ host: "registry.npmjs.org:8443", requests: 1, reason: "port 8443" }] };
    expect(renderRefusedHosts(onlyPorts, SETUP_REFUSALS)).toMatch(/If setup needs them, an admin of the Hamster server can set HAMSTER_SETUP_NETWORK=host\.$/);
  });
});
