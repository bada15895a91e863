import { describe, expect, it } from "vitest";
import { DEFAULT_SETUP_ALLOW_HOSTS, isAddressListed, isHostAllowed, parseHostPattern, type HostPattern } from "../../src/sandbox/egress-allowlist.js";

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
    expect(parseHostPattern("::FFFF:10.0.0.1")).toEqual({ ok: true, pattern: { kind: "ip", address: "10.0.0.1" } });
  });

  it("reads CIDR ranges, refusing those that are too broad or not ranges", () => {
    expect(parseHostPattern("10.0.0.0/8")).toEqual({ ok: true, pattern: { kind: "range", network: "10.0.0.0", prefix: 8 } });
    expect(parseHostPattern("FD00:0::/8")).toEqual({ ok: true, pattern: { kind: "range", network: "fd00::", prefix: 8 } });
    expect(parseHostPattern("198.18.0.0/15")).toMatchObject({ ok: true });
    expect(parseHostPattern("0.0.0.0/0")).toEqual({ ok: false, problem: '"0.0.0.0/0" is too broad: a range needs a prefix of at least /8' });
    expect(parseHostPattern("2000::/3")).toEqual({ ok: false, problem: '"2000::/3" is too broad: a range needs a prefix of at least /7' });
    expect(parseHostPattern("::ffff:0:0/96")).toEqual({ ok: false, problem: '"::ffff:0:0/96" is an IPv4-mapped range: list the IPv4 range instead' });
    for (const text of ["10.0.0.0/33", "10.0.0/8", "example.com/8", "10.0.0.0/", "/8", "10.0.0.0/8/8"]) {
      expect(parseHostPattern(text).ok, text).toBe(false);
    }
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
    expect(isHostAllowed(allow, "[::ffff:127.0.0.1]")).toBe(true);
  });

  it("allows the IP literals inside a listed range", () => {
    const ranges = patterns("10.0.0.0/8", "fd00::/8");
    expect(isHostAllowed(ranges, "10.255.0.1")).toBe(true);
    expect(isHostAllowed(ranges, "11.0.0.1")).toBe(false);
    expect(isHostAllowed(ranges, "[fd12::1]")).toBe(true);
    expect(isHostAllowed(ranges, "[fe80::1]")).toBe(false);
  });
});

describe("isAddressListed", () => {
  it("finds an address listed by itself or in a range, of its own family only", () => {
    const listed = patterns("registry.npmjs.org", "10.1.2.3", "192.168.0.0/16", "fd00::/8");
    expect(isAddressListed(listed, "10.1.2.3")).toBe(true);
    expect(isAddressListed(listed, "::ffff:10.1.2.3")).toBe(true);
    expect(isAddressListed(listed, "10.1.2.4")).toBe(false);
    expect(isAddressListed(listed, "192.168.77.1")).toBe(true);
    expect(isAddressListed(listed, "fd00::1%eth0")).toBe(true);
    expect(isAddressListed(listed, "fe80::1")).toBe(false);
    expect(isAddressListed(listed, "registry.npmjs.org")).toBe(false);
    // ::/8 holds every IPv4-mapped address; it must not list IPv4 addresses.
    expect(isAddressListed(patterns("::/8"), "127.0.0.1")).toBe(false);
  });
});
