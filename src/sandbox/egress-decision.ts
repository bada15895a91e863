import { lookup as lookupDns } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { classifyAddress, type AddressClass } from "./classify-address.js";
import { isAddressListed, isHostAllowed, normalizeHostName, type HostPattern } from "./egress-allowlist.js";
import { findUpstreamProxy, type UpstreamProxies, type UpstreamProxy } from "./upstream-proxy.js";

/*
 * Whether the egress proxy lets one request through, and by which way. The name is checked
 * against the allowlist and the port against the allowed ports first, always. Then:
 * - through an upstream proxy (the app's HTTPS_PROXY/HTTP_PROXY, the host not in NO_PROXY),
 *   the upstream resolves the name and connects, under its own rules: nothing here resolves
 *   it (inside such networks outside names often do not resolve at all);
 * - directly, the name is resolved here and refused when an address it leads to is neither
 *   public nor listed, and the connection goes to exactly the addresses checked, never to a
 *   second lookup a rebinding DNS server could answer differently.
 * An IP address asked for literally passes only when listed (by itself or in a range), so
 * loopback, private and link-local addresses are reached only when an admin listed them.
 */

export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address of a name, as `dns.promises.lookup(name, { all: true })` gives them. */
export type LookupHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface EgressPolicy {
  readonly allowHosts: readonly HostPattern[];
  readonly ports: readonly number[];
  readonly upstream: UpstreamProxies | undefined;
  readonly lookup: LookupHost;
  readonly lookupTimeoutMs: number;
  /** The setting a refusal tells people to change: HAMSTER_SETUP_ALLOW_HOSTS, … */
  readonly allowSetting: string;
}

export type EgressRoute = { readonly kind: "direct"; readonly lookup?: LookupFunction } | { readonly kind: "upstream"; readonly proxy: UpstreamProxy };

export interface EgressRefusalReason {
  /** In a few words: "not in the allowlist", "resolves to 10.0.0.5, a private address", … */
  readonly reason: string;
  /** What an admin can add to the allowlist setting so that this passes, when that is advisable. */
  readonly allowEntry?: string;
}

export type EgressDecision =
  | { readonly ok: true; readonly host: string; readonly route: EgressRoute }
  | { readonly ok: false; readonly host: string; readonly status: number; readonly message: string; readonly refusal?: EgressRefusalReason };

/** Addresses a listed name may be told to lead to: what internal mirrors and TLS-inspecting proxies use. The rest (link-local: the metadata endpoint) get no such advice. */
const ADVISABLE: ReadonlySet<AddressClass> = new Set(["private", "reserved", "loopback"]);

export const defaultLookup: LookupHost = (hostname) => lookupDns(hostname, { all: true, verbatim: true });

/** `host` as the client asked for it (a name, an IPv4 literal or a bracketed IPv6 one). */
export async function decideEgress(policy: EgressPolicy, rawHost: string, port: number, kind: "tunnel" | "request"): Promise<EgressDecision> {
  const literal = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.slice(1, -1) : rawHost;
  const isAddress = isIP(literal) !== 0;
  const host = isAddress ? literal : normalizeHostName(literal);
  const setting = policy.allowSetting;
  if (!isHostAllowed(policy.allowHosts, host)) {
    // Listing the metadata endpoint's address is no advice to give.
    const advisable = !isAddress || classifyAddress(host) === "public" || ADVISABLE.has(classifyAddress(host));
    const message = `Hamster's egress proxy refused ${host}: it is not in ${setting}${advisable ? "; an admin of the Hamster server can add it there" : ""}.`;
    return { ok: false, host, status: 403, message, refusal: { reason: "not in the allowlist", ...(advisable ? { allowEntry: host } : {}) } };
  }
  if (!policy.ports.includes(port)) {
    const ports = policy.ports;
    const message = `Hamster's egress proxy refused ${host}:${port}: only port${ports.length === 1 ? "" : "s"} ${ports.join(" and ")} can be reached.`;
    return { ok: false, host, status: 403, message, refusal: { reason: `port ${port}` } };
  }
  const proxy = findUpstreamProxy(policy.upstream, kind, host, port);
  if (proxy !== undefined) return { ok: true, host, route: { kind: "upstream", proxy } };
  // Listed literally (isHostAllowed said so): the admin chose that very address.
  if (isAddress) return { ok: true, host, route: { kind: "direct" } };
  return resolveDirect(policy, host);
}

async function resolveDirect(policy: EgressPolicy, host: string): Promise<EgressDecision> {
  let addresses: LookupAddress[];
  try {
    const ms = policy.lookupTimeoutMs;
    addresses = [...(await withTimeout(policy.lookup(host), ms, `resolving ${host} took longer than ${ms / 1000} s`))];
  } catch (error) {
    return { ok: false, host, status: 502, message: `Hamster's egress proxy could not resolve ${host}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const bad = addresses.find((entry) => classifyAddress(entry.address) !== "public" && !isAddressListed(policy.allowHosts, entry.address));
  if (bad !== undefined || addresses.length === 0) return refuseAddress(policy.allowSetting, host, bad);
  // Connections use exactly these addresses: no second lookup.
  const lookup: LookupFunction = (_name, lookupOptions, callback) => {
    if (lookupOptions.all === true) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  return { ok: true, host, route: { kind: "direct", lookup } };
}

function refuseAddress(setting: string, host: string, bad: LookupAddress | undefined): EgressDecision {
  const cls = bad === undefined ? undefined : classifyAddress(bad.address);
  const what = bad === undefined ? "no address" : `${bad.address}, a ${cls} address`;
  const rule = `a name may lead only to public addresses or to addresses listed in ${setting}`;
  const advisable = bad !== undefined && ADVISABLE.has(cls!);
  const advice = advisable ? `; if that is where ${host} should lead (an internal mirror, a proxy that inspects TLS), an admin of the Hamster server can add ${bad.address} (or a CIDR range that holds it) there, next to ${host}` : "";
  return {
    ok: false,
    host,
    status: 403,
    message: `Hamster's egress proxy refused ${host}: it resolves to ${what}, and ${rule}${advice}.`,
    refusal: { reason: `resolves to ${what}`, ...(advisable ? { allowEntry: bad.address } : {}) },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
