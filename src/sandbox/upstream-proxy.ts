import { BlockList, isIP } from "node:net";
import { normalizeIpAddress } from "./classify-address.js";

/*
 * The proxy the egress proxy chains to, from the app's own environment: networks that let
 * nothing out but their proxy (most corporate ones) need it. Conventions followed: the
 * lower-case variable wins over the upper-case one; a CONNECT tunnel goes through
 * HTTPS_PROXY, or HTTP_PROXY when only that is set (as npm does); a plain `GET http://…`
 * goes through HTTP_PROXY; NO_PROXY names hosts that are reached directly. Pure.
 */

export interface UpstreamProxy {
  readonly host: string;
  readonly port: number;
  /** `Basic …` from the URL's user and password; sent to this proxy only. */
  readonly authorization?: string;
  /** `http://host:port`, without the credentials: what messages show. */
  readonly label: string;
}

type NoProxyEntry =
  | { readonly kind: "all" }
  | { readonly kind: "name"; readonly name: string; readonly port?: number }
  | { readonly kind: "address"; readonly list: BlockList; readonly family: "ipv4" | "ipv6"; readonly port?: number };

export interface UpstreamProxies {
  /** For CONNECT tunnels. */
  readonly tunnel?: UpstreamProxy;
  /** For plain `GET http://…` requests. */
  readonly request?: UpstreamProxy;
  readonly noProxy: readonly NoProxyEntry[];
}

export type UpstreamParse = { readonly ok: true; readonly proxies: UpstreamProxies | undefined } | { readonly ok: false; readonly problems: readonly string[] };

/** The upstream proxies the environment names, undefined when it names none. */
export function parseUpstreamProxies(env: Readonly<Record<string, string | undefined>>): UpstreamParse {
  const problems: string[] = [];
  const read = (name: string): UpstreamProxy | undefined => {
    const lower = env[name.toLowerCase()];
    const [variable, text] = lower !== undefined && lower.trim() !== "" ? [name.toLowerCase(), lower] : [name, env[name]];
    if (text === undefined || text.trim() === "") return undefined;
    const parsed = parseProxyUrl(text.trim());
    if (typeof parsed === "string") problems.push(`${variable}: ${parsed}`);
    return typeof parsed === "string" ? undefined : parsed;
  };
  const https = read("HTTPS_PROXY");
  const http = read("HTTP_PROXY");
  if (problems.length > 0) return { ok: false, problems };
  const tunnel = https ?? http;
  if (tunnel === undefined) return { ok: true, proxies: undefined };
  const noProxyText = env["no_proxy"] !== undefined && env["no_proxy"].trim() !== "" ? env["no_proxy"] : (env["NO_PROXY"] ?? "");
  return { ok: true, proxies: { tunnel, ...(http ? { request: http } : {}), noProxy: parseNoProxy(noProxyText) } };
}

/** The proxy a connection to `host:port` goes through, or undefined when it goes directly. */
export function findUpstreamProxy(proxies: UpstreamProxies | undefined, kind: "tunnel" | "request", host: string, port: number): UpstreamProxy | undefined {
  if (proxies === undefined) return undefined;
  const proxy = proxies[kind];
  return proxy === undefined || isNoProxy(proxies.noProxy, host, port) ? undefined : proxy;
}

/** `http://[user:password@]host[:port]`, the scheme optional; an error message otherwise. */
function parseProxyUrl(text: string): UpstreamProxy | string {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return "is not a proxy URL such as http://proxy.example:3128";
  }
  // Only plain HTTP to the proxy: TLS still runs end to end inside each tunnel.
  if (url.protocol !== "http:") return `${url.protocol}// proxies are not supported, only http:// ones`;
  if (url.hostname === "") return "names no host";
  const port = url.port === "" ? 80 : Number(url.port);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  let credentials: string | undefined;
  try {
    credentials = url.username === "" ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    return "has a user or password that is not valid percent-encoding";
  }
  return {
    host,
    port,
    ...(credentials === undefined ? {} : { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` }),
    label: `http://${url.host}`,
  };
}

/**
 * NO_PROXY as most tools read it: entries separated by commas or spaces; `*` for every
 * host; a name matches itself and its subdomains (a leading `.` or `*.` is ignored); an IP
 * address or CIDR range matches addresses asked for literally (names are not resolved to
 * match one); `:port` limits an entry to that port. Entries that are none of these are
 * skipped: the variable is shared with other tools, which read other dialects.
 */
function parseNoProxy(text: string): NoProxyEntry[] {
  const entries: NoProxyEntry[] = [];
  for (const raw of text.toLowerCase().split(/[\s,]+/)) {
    if (raw === "") continue;
    if (raw === "*") entries.push({ kind: "all" });
    else {
      const entry = parseNoProxyEntry(raw);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

function parseNoProxyEntry(raw: string): NoProxyEntry | undefined {
  // A bare IPv6 address or a CIDR range has colons but no port.
  if (isIP(raw) === 6 || raw.includes("/")) return parseAddressEntry(raw, undefined);
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(raw);
  if (match === null) return undefined;
  const host = match[1] ?? match[2]!;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (isIP(host) !== 0) return parseAddressEntry(host, port);
  const name = host.replace(/^\*?\.+/, "").replace(/\.$/, "");
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return undefined;
  return { kind: "name", name, ...(port === undefined ? {} : { port }) };
}

function parseAddressEntry(text: string, port: number | undefined): NoProxyEntry | undefined {
  const [address, prefixText] = text.split("/") as [string, string | undefined];
  const normalized = normalizeIpAddress(address);
  if (normalized === undefined) return undefined;
  const family = isIP(normalized) === 6 ? "ipv6" : "ipv4";
  const prefix = prefixText === undefined ? (family === "ipv6" ? 128 : 32) : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? "0") || prefix > (family === "ipv6" ? 128 : 32)) return undefined;
  const list = new BlockList();
  list.addSubnet(normalized, prefix, family);
  return { kind: "address", list, family, ...(port === undefined ? {} : { port }) };
}

function isNoProxy(entries: readonly NoProxyEntry[], rawHost: string, port: number): boolean {
  const host = rawHost.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const address = normalizeIpAddress(host);
  const family = address === undefined ? undefined : isIP(address) === 6 ? "ipv6" : "ipv4";
  return entries.some((entry) => {
    if (entry.kind === "all") return true;
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.kind === "address") return address !== undefined && entry.family === family && entry.list.check(address, family);
    return address === undefined && entry.name !== "" && (host === entry.name || host.endsWith(`.${entry.name}`));
  });
}
