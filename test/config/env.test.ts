import { describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config/env.js";
import { DEFAULT_SETUP_ALLOW_HOSTS } from "../../src/sandbox/egress-allowlist.js";
import { DEFAULT_SANDBOX_LIMITS } from "../../src/sandbox/sandbox.js";

const MiB = 1024 ** 2;

describe("parseSettings", () => {
  it("finds the issuer of Actions OIDC tokens: github.com's, a GHES's own, or the one an admin names", () => {
    expect(parseSettings({}).actionsOidcIssuer).toBe("https://token.actions.githubusercontent.com");
    expect(parseSettings({ GHE_HOST: "ghe.example.com" }).actionsOidcIssuer).toBe("https://ghe.example.com/_services/token");
    expect(parseSettings({ GHE_HOST: "ghe.local", GHE_PROTOCOL: "http" }).actionsOidcIssuer).toBe("http://ghe.local/_services/token");
    expect(parseSettings({ GHE_HOST: "ghe.local", HAMSTER_ACTIONS_OIDC_ISSUER: "https://issuer.example.com/" }).actionsOidcIssuer).toBe("https://issuer.example.com");
  });

  it("gives the sandbox the default limits when none are set", () => {
    const { limits } = parseSettings({}).sandbox;
    expect(limits).toMatchObject({
      memoryBytes: DEFAULT_SANDBOX_LIMITS.memoryBytes,
      processes: DEFAULT_SANDBOX_LIMITS.processes,
      fileSizeBytes: DEFAULT_SANDBOX_LIMITS.fileSizeBytes,
    });
  });

  it("takes the sandbox limits and the mirror limits from the environment", () => {
    const settings = parseSettings({
      HAMSTER_SANDBOX_MEMORY_MB: "2048",
      HAMSTER_SANDBOX_PROCESSES: "64",
      HAMSTER_SANDBOX_FILE_MB: "8",
      HAMSTER_MIRROR_MAX_AGE_DAYS: "3",
      HAMSTER_MIRROR_MAX_GB: "5",
    });
    expect(settings.sandbox.limits).toEqual({ memoryBytes: 2048 * MiB, processes: 64, fileSizeBytes: 8 * MiB });
    expect(settings.mirrors).toEqual({ maxAgeMs: 3 * 86_400_000, maxTotalBytes: 5 * 1024 ** 3 });
  });

  it("names every bad limit at once", () => {
    expect(() => parseSettings({ HAMSTER_SANDBOX_PROCESSES: "0", HAMSTER_SANDBOX_FILE_MB: "lots", HAMSTER_MIRROR_MAX_AGE_DAYS: "-1" })).toThrow(
      /HAMSTER_SANDBOX_PROCESSES[\s\S]*HAMSTER_SANDBOX_FILE_MB[\s\S]*HAMSTER_MIRROR_MAX_AGE_DAYS/,
    );
  });

  it("sends setup commands through the egress proxy to the package registries by default", () => {
    const { setupNetwork } = parseSettings({});
    expect(setupNetwork.mode).toBe("proxy");
    expect(setupNetwork.allowHosts).toContainEqual({ kind: "name", name: "registry.npmjs.org" });
    expect(setupNetwork.allowHosts).toHaveLength(DEFAULT_SETUP_ALLOW_HOSTS.length);
  });

  it("takes the setup network and its allowlist from the environment", () => {
    const { setupNetwork } = parseSettings({ HAMSTER_SETUP_NETWORK: "host", HAMSTER_SETUP_ALLOW_HOSTS: "npm.corp.example, *.pkg.example ,10.0.0.5," });
    expect(setupNetwork).toEqual({
      mode: "host",
      allowHosts: [
        { kind: "name", name: "npm.corp.example" },
        { kind: "suffix", suffix: ".pkg.example" },
        { kind: "ip", address: "10.0.0.5" },
      ],
    });
  });

  it("puts command-line agents behind the egress proxy, with no extra hosts, by default", () => {
    expect(parseSettings({}).agentCliNetwork).toEqual({ mode: "proxy", allowHosts: [] });
  });

  it("takes the command-line agents' network and extra hosts from the environment", () => {
    const { agentCliNetwork } = parseSettings({ HAMSTER_AGENT_CLI_NETWORK: "host", HAMSTER_AGENT_CLI_ALLOW_HOSTS: "openrouter.ai, 10.0.0.7" });
    expect(agentCliNetwork).toEqual({
      mode: "host",
      allowHosts: [
        { kind: "name", name: "openrouter.ai" },
        { kind: "ip", address: "10.0.0.7" },
      ],
    });
    expect(() => parseSettings({ HAMSTER_AGENT_CLI_NETWORK: "none", HAMSTER_AGENT_CLI_ALLOW_HOSTS: "*.com" })).toThrow(
      /HAMSTER_AGENT_CLI_NETWORK[\s\S]*HAMSTER_AGENT_CLI_ALLOW_HOSTS: "\*\.com" is too broad/,
    );
  });

  it("reads CIDR ranges in the allowlists", () => {
    const { setupNetwork } = parseSettings({ HAMSTER_SETUP_ALLOW_HOSTS: "registry.npmjs.org,10.0.0.0/8,fd00::/8" });
    expect(setupNetwork.allowHosts).toEqual([
      { kind: "name", name: "registry.npmjs.org" },
      { kind: "range", network: "10.0.0.0", prefix: 8 },
      { kind: "range", network: "fd00::", prefix: 8 },
    ]);
    expect(() => parseSettings({ HAMSTER_AGENT_CLI_ALLOW_HOSTS: "0.0.0.0/0" })).toThrow(/HAMSTER_AGENT_CLI_ALLOW_HOSTS: "0\.0\.0\.0\/0" is too broad/);
  });

  it("chains both egress proxies to the app's own proxy, from HTTPS_PROXY, HTTP_PROXY and NO_PROXY", () => {
    const { setupNetwork, agentCliNetwork } = parseSettings({ HTTPS_PROXY: "http://proxy.corp.example:3128", NO_PROXY: "npm.corp.example" });
    expect(setupNetwork.upstream?.tunnel).toEqual({ host: "proxy.corp.example", port: 3128, label: "http://proxy.corp.example:3128" });
    expect(agentCliNetwork.upstream).toBe(setupNetwork.upstream);
    expect(parseSettings({ HTTPS_PROXY: "" }).setupNetwork).not.toHaveProperty("upstream");
    expect(() => parseSettings({ HTTPS_PROXY: "https://proxy.corp.example", HAMSTER_SETUP_NETWORK: "open" })).toThrow(
      /HAMSTER_SETUP_NETWORK[\s\S]*HTTPS_PROXY: https:\/\/ proxies are not supported/,
    );
  });

  it("names every bad host pattern and setup network", () => {
    expect(() => parseSettings({ HAMSTER_SETUP_NETWORK: "open", HAMSTER_SETUP_ALLOW_HOSTS: "ok.example,*.com,https://x.example" })).toThrow(
      /HAMSTER_SETUP_NETWORK[\s\S]*HAMSTER_SETUP_ALLOW_HOSTS: "\*\.com" is too broad[\s\S]*HAMSTER_SETUP_ALLOW_HOSTS: "https:\/\/x\.example" is not a host/,
    );
  });
});
