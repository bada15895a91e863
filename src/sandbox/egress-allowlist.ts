import { BlockList, isIP } from "node:net";
import { normalizeIpAddress } from "./classify-address.js";

/*
 * Which hosts the egress proxy lets setup commands and command-line agents reach: exact
 * names, `*.example.com` (subdomains only, not example.com itself), IP addresses and CIDR
 * ranges. An address or range matches a request for an address in it, and it is also
 * where a listed name may lead: a name must still be listed itself, but it may then resolve
 * to a listed address even when that address is not public (an internal mirror, a proxy
 * that inspects TLS).
 * Pure: the proxy resolves names and checks their addresses itself (classify-address.ts).
 */

export type HostPattern =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "suffix"; readonly suffix: string }
  | { readonly kind: "ip"; readonly address: string }
  | { readonly kind: "range"; readonly network: string; readonly prefix: number };

/**
 * Package registries and the hosts their downloads come from: npm and Yarn, PyPI, Go's
 * module proxy and checksum database, crates.io, RubyGems, Maven Central and Gradle, and
 * GitHub (git dependencies, release tarballs).
 */
export const DEFAULT_SETUP_ALLOW_HOSTS: readonly string[] = [
  "registry.npmjs.org",
  "registry.yarnpkg.com",
  "pypi.org",
  "files.pythonhosted.org",
  "proxy.golang.org",
  "sum.golang.org",
  "index.crates.io",
  "static.crates.io",
  "crates.io",
  "rubygems.org",
  "index.rubygems.org",
  "repo.maven.apache.org",
  "repo1.maven.org",
  "plugins.gradle.org",
  "services.gradle.org",
  "github.com",
  "codeload.github.com",
  "objects.githubusercontent.com",
];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The widest range that may be listed: a shorter prefix would let names lead almost anywhere, the metadata endpoint included. */
const MIN_PREFIX = { 4: 8, 6: 7 } as const;

/** A host pattern from its text, or why it is not one. */
export function parseHostPattern(text: string): { ok: true; pattern: HostPattern } | { ok: false; problem: string } {
  const trimmed = text.trim().toLowerCase();
  if (/^[0-9a-f:.]*\/\d*$/.test(trimmed)) return parseRange(text, trimmed);
  const literal = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  const address = normalizeIpAddress(literal);
  if (address !== undefined && !literal.includes("%")) return { ok: true, pattern: { kind: "ip", address } };
  const wildcard = trimmed.startsWith("*.");
  const name = (wildcard ? trimmed.slice(2) : trimmed).replace(/\.$/, "");
  const labels = name.split(".");
  if (name === "" || name.length > 253 || !labels.every((label) => LABEL.test(label))) {
    return { ok: false, problem: `"${text}" is not a host name, *.domain pattern, IP address or CIDR range` };
  }
  // `*.com` would open a whole top-level domain.
  if (wildcard && labels.length < 2) return { ok: false, problem: `"${text}" is too broad: a wildcard needs a domain with at least two labels` };
  return { ok: true, pattern: wildcard ? { kind: "suffix", suffix: `.${name}` } : { kind: "name", name } };
}

/** `10.0.0.0/8`, `fd00::/8`. */
function parseRange(text: string, trimmed: string): { ok: true; pattern: HostPattern } | { ok: false; problem: string } {
  const match = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(trimmed);
  const family = match === null ? 0 : isIP(match[1]!);
  const prefix = Number(match?.[2]);
  if (match === null || (family !== 4 && family !== 6) || prefix > (family === 4 ? 32 : 128)) {
    return { ok: false, problem: `"${text}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8` };
  }
  const network = normalizeIpAddress(match[1]!)!;
  // Normalized to IPv4: the range is written in IPv4-mapped IPv6.
  if (family === 6 && isIP(network) === 4) {
    return { ok: false, problem: `"${text}" is an IPv4-mapped range: list the IPv4 range instead` };
  }
  if (prefix < MIN_PREFIX[family]) {
    return { ok: false, problem: `"${text}" is too broad: a range needs a prefix of at least /${MIN_PREFIX[family]}` };
  }
  return { ok: true, pattern: { kind: "range", network, prefix } };
}

/** Whether `host` (a name or an IP literal, as a client asked for it) is in the allowlist. */
export function isHostAllowed(patterns: readonly HostPattern[], host: string): boolean {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) return isAddressListed(patterns, literal);
  const name = normalizeHostName(host);
  return patterns.some((pattern) => (pattern.kind === "name" ? pattern.name === name : pattern.kind === "suffix" && name.endsWith(pattern.suffix)));
}

/** Whether an IP address is listed, by itself or in a range: a listed name may lead there. */
export function isAddressListed(patterns: readonly HostPattern[], address: string): boolean {
  const normalized = normalizeIpAddress(address);
  if (normalized === undefined) return false;
  const family = familyOf(normalized);
  // One family's entries only: BlockList would match an IPv4 address against IPv6 ranges that hold its mapped form (::/8 holds them all).
  const list = new BlockList();
  for (const pattern of patterns) {
    if (pattern.kind === "ip" && familyOf(pattern.address) === family) list.addAddress(pattern.address, family);
    else if (pattern.kind === "range" && familyOf(pattern.network) === family) list.addSubnet(pattern.network, pattern.prefix, family);
  }
  return list.check(normalized, family);
}

/** Lower case, without the root's trailing dot: how names are compared. */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

function familyOf(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}
