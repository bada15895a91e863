import { BlockList, isIP } from "node:net";

/*
 * What kind of address an IP is, so the egress proxy connects only to the public internet:
 * a host name that resolves to the machine itself, its private network or the cloud's
 * metadata endpoint (169.254.169.254, fd00:ec2::254) is refused. Pure.
 */

export type AddressClass = "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved";

type Subnet = readonly [network: string, prefix: number];

/** Checked in this order; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches the IPv4 entries (BlockList does that). */
const CLASSES: readonly (readonly [Exclude<AddressClass, "public">, readonly Subnet[]])[] = [
  ["unspecified", [["0.0.0.0", 8], ["::", 128]]],
  ["loopback", [["127.0.0.0", 8], ["::1", 128]]],
  ["link-local", [["169.254.0.0", 16], ["fe80::", 10]]],
  [
    "private",
    [
      ["10.0.0.0", 8],
      // Carrier-grade NAT; clouds use it inside too (Alibaba's metadata is 100.100.100.200).
      ["100.64.0.0", 10],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
      ["fc00::", 7],
      // Site-local, deprecated but still routed inside some networks.
      ["fec0::", 10],
    ],
  ],
  ["multicast", [["224.0.0.0", 4], ["ff00::", 8]]],
  [
    "reserved",
    [
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["240.0.0.0", 4],
      ["2001:db8::", 32],
      // IPv4-compatible (deprecated): ::a.b.c.d.
      ["::", 96],
    ],
  ],
];

const LISTS: readonly (readonly [Exclude<AddressClass, "public">, BlockList])[] = CLASSES.map(([cls, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix] of subnets) list.addSubnet(network, prefix, isIP(network) === 6 ? "ipv6" : "ipv4");
  return [cls, list] as const;
});

/** NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits: classified as that address. */
const NAT64 = new BlockList();
NAT64.addSubnet("64:ff9b::", 96, "ipv6");

/** The class of an IPv4 or IPv6 address; anything that is not an IP address is "reserved". */
export function classifyAddress(address: string): AddressClass {
  const normalized = normalizeIpAddress(address);
  if (normalized === undefined) return "reserved";
  const family = isIP(normalized) === 6 ? "ipv6" : "ipv4";
  if (family === "ipv6" && NAT64.check(normalized, "ipv6")) return classifyAddress(lastIpv4(normalized));
  for (const [cls, list] of LISTS) if (list.check(normalized, family)) return cls;
  return "public";
}

/**
 * One spelling per address, or undefined when `text` is not one: the zone id dropped, IPv6
 * in its shortest lower-case form, and an IPv4-mapped IPv6 address as the IPv4 address it
 * reaches (so `::ffff:127.0.0.1` is compared as `127.0.0.1`).
 */
export function normalizeIpAddress(text: string): string | undefined {
  const address = text.split("%")[0]!;
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const short = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(short);
  return mapped === null ? short : lastIpv4(short);
}

/** The dotted IPv4 address in the last 32 bits of a normalized IPv6 address. */
function lastIpv4(short: string): string {
  const groups = short.split(":").slice(-2).map((group) => (group === "" ? 0 : parseInt(group, 16)));
  return [groups[0]! >> 8, groups[0]! & 0xff, groups[1]! >> 8, groups[1]! & 0xff].join(".");
}
