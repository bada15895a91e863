import { isIP } from "node:net";

/*
 * What kind of address an IP is, so the egress proxy connects only to the public internet:
 * a host name that resolves to the machine itself, its private network or the cloud's
 * metadata endpoint (169.254.169.254, fd00:ec2::254) is refused. Pure.
 */

export type AddressClass = "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved";

type Range = readonly [prefix: bigint, bits: number, cls: Exclude<AddressClass, "public">];

const v4 = (text: string): bigint => text.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);

const V4_RANGES: readonly Range[] = [
  [v4("0.0.0.0"), 8, "unspecified"],
  [v4("10.0.0.0"), 8, "private"],
  // Carrier-grade NAT; clouds use it inside too (Alibaba's metadata is 100.100.100.200).
  [v4("100.64.0.0"), 10, "private"],
  [v4("127.0.0.0"), 8, "loopback"],
  [v4("169.254.0.0"), 16, "link-local"],
  [v4("172.16.0.0"), 12, "private"],
  [v4("192.0.0.0"), 24, "reserved"],
  [v4("192.0.2.0"), 24, "reserved"],
  [v4("192.168.0.0"), 16, "private"],
  [v4("198.18.0.0"), 15, "reserved"],
  [v4("198.51.100.0"), 24, "reserved"],
  [v4("203.0.113.0"), 24, "reserved"],
  [v4("224.0.0.0"), 4, "multicast"],
  [v4("240.0.0.0"), 4, "reserved"],
];

const V6_RANGES: readonly Range[] = [
  [0n, 128, "unspecified"],
  [1n, 128, "loopback"],
  [0xfc00n << 112n, 7, "private"],
  [0xfe80n << 112n, 10, "link-local"],
  // Site-local, deprecated but still routed inside some networks.
  [0xfec0n << 112n, 10, "private"],
  [0xff00n << 112n, 8, "multicast"],
  [0x2001_0db8n << 96n, 32, "reserved"],
  // IPv4-compatible (deprecated): ::a.b.c.d.
  [0n, 96, "reserved"],
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits: classified as that address. */
const V4_IN_V6: readonly (readonly [bigint, number])[] = [
  [0xffffn << 32n, 96], // IPv4-mapped ::ffff:a.b.c.d
  [0x0064_ff9bn << 96n, 96], // NAT64 64:ff9b::a.b.c.d
];

/** The class of an IPv4 or IPv6 address; anything that is not an IP address is "reserved". */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classify(v4(address), 32, V4_RANGES);
  if (family !== 6) return "reserved";
  const value = parseIpv6(address);
  for (const [prefix, bits] of V4_IN_V6) {
    if (inRange(value, 128, prefix, bits)) return classify(value & 0xffff_ffffn, 32, V4_RANGES);
  }
  return classify(value, 128, V6_RANGES);
}

function classify(value: bigint, width: number, ranges: readonly Range[]): AddressClass {
  for (const [prefix, bits, cls] of ranges) if (inRange(value, width, prefix, bits)) return cls;
  return "public";
}

function inRange(value: bigint, width: number, prefix: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === prefix >> shift;
}

/** A valid IPv6 text (isIP said so), zone id dropped, as a 128-bit number. */
function parseIpv6(text: string): bigint {
  let address = text.split("%")[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail !== null) {
    const n = v4(tail[1]!);
    address = `${address.slice(0, tail.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, rest] = address.split("::") as [string, string | undefined];
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}
