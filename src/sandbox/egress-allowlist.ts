import { isIP } from "node:net";

/*
 * Which hosts the egress proxy lets setup commands and command-line agents reach: exact
 * names, `*.example.com` (subdomains only, not example.com itself), and IP literals, which
 * match only themselves.
 * Pure: the proxy resolves names and checks their addresses itself (classify-address.ts).
 */

export type HostPattern =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "suffix"; readonly suffix: string }
  | { readonly kind: "ip"; readonly address: string };

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

/** A host pattern from its text, or why it is not one. */
export function parseHostPattern(text: string): { ok: true; pattern: HostPattern } | { ok: false; problem: string } {
  const trimmed = text.trim().toLowerCase();
  const literal = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  if (isIP(literal) !== 0) return { ok: true, pattern: { kind: "ip", address: normalizeAddress(literal) } };
  const wildcard = trimmed.startsWith("*.");
  const name = (wildcard ? trimmed.slice(2) : trimmed).replace(/\.$/, "");
  const labels = name.split(".");
  if (name === "" || name.length > 253 || !labels.every((label) => LABEL.test(label))) {
    return { ok: false, problem: `"${text}" is not a host name, *.domain pattern or IP address` };
  }
  // `*.com` would open a whole top-level domain.
  if (wildcard && labels.length < 2) return { ok: false, problem: `"${text}" is too broad: a wildcard needs a domain with at least two labels` };
  return { ok: true, pattern: wildcard ? { kind: "suffix", suffix: `.${name}` } : { kind: "name", name } };
}

/** Whether `host` (a name or an IP literal, as a client asked for it) is in the allowlist. */
export function isHostAllowed(patterns: readonly HostPattern[], host: string): boolean {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) {
    const address = normalizeAddress(literal);
    return patterns.some((pattern) => pattern.kind === "ip" && pattern.address === address);
  }
  const name = normalizeHostName(host);
  return patterns.some((pattern) => (pattern.kind === "name" ? pattern.name === name : pattern.kind === "suffix" && name.endsWith(pattern.suffix)));
}

/** Lower case, without the root's trailing dot: how names are compared. */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** One spelling per address, so `::1` and `0:0::1` are the same entry. */
function normalizeAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}
