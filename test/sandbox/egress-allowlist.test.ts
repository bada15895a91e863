import { describe, expect, it } from "vitest";
import { DEFAULT_SETUP_ALLOW_HOSTS, isHostAllowed, parseHostPattern, type HostPattern } from "../../src/sandbox/egress-allowlist.js";

function patterns(...texts: string[]): HostPattern[] {
  return texts.map((text) => {
    const parsed = parseHostPattern(text);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.pattern;
  });
}

describe("parseHostPattern", () => {
  it("reads names, *.domain wildcards and IP literals, in any case", () => {
    expect(parseHostPattern(" Registry.NPMjs.org ")).toEqual({ ok: true, pattern: { kind: "name", name: "registry.npmjs.org" } });
    expect(parseHostPattern("*.example.com")).toEqual({ ok: true, pattern: { kind: "suffix", suffix: ".example.com" } });
    expect(parseHostPattern("10.1.2.3")).toEqual({ ok: true, pattern: { kind: "ip", address: "10.1.2.3" } });
    expect(parseHostPattern("[0:0::1]")).toEqual({ ok: true, pattern: { kind: "ip", address: "::1" } });
  });

  it("refuses what is not a host, and wildcards over a whole top-level domain", () => {
    for (const text of ["", "*", "*.com", "a..b", "-a.com", "a_b.com", "http://a.com", "a.com:443", "a.*.com", "*example.com"]) {
      expect(parseHostPattern(text).ok, text).toBe(false);
    }
  });

  it("accepts every default", () => {
    for (const host of DEFAULT_SETUP_ALLOW_HOSTS) expect(parseHostPattern(host).ok, host).toBe(true);
  });
});

describe("isHostAllowed", () => {
  const allow = patterns("registry.npmjs.org", "*.pythonhosted.org", "127.0.0.1", "::1");

  it("matches exact names, ignoring case and a trailing dot", () => {
    expect(isHostAllowed(allow, "registry.npmjs.org")).toBe(true);
    expect(isHostAllowed(allow, "REGISTRY.npmjs.org.")).toBe(true);
    expect(isHostAllowed(allow, "npmjs.org")).toBe(false);
    expect(isHostAllowed(allow, "evil.registry.npmjs.org")).toBe(false);
    expect(isHostAllowed(allow, "registry.npmjs.org.evil.com")).toBe(false);
  });

  it("matches a wildcard's subdomains only, not the domain itself nor a name that merely ends alike", () => {
    expect(isHostAllowed(allow, "files.pythonhosted.org")).toBe(true);
    expect(isHostAllowed(allow, "a.b.pythonhosted.org")).toBe(true);
    expect(isHostAllowed(allow, "pythonhosted.org")).toBe(false);
    expect(isHostAllowed(allow, "evilpythonhosted.org")).toBe(false);
  });

  it("allows an IP literal only when listed literally, in any spelling", () => {
    expect(isHostAllowed(allow, "127.0.0.1")).toBe(true);
    expect(isHostAllowed(allow, "[0:0:0:0:0:0:0:1]")).toBe(true);
    expect(isHostAllowed(allow, "127.0.0.2")).toBe(false);
    expect(isHostAllowed(patterns("*.example.com"), "1.2.3.4")).toBe(false);
    expect(isHostAllowed(patterns("example.com"), "[::ffff:127.0.0.1]")).toBe(false);
  });
});
