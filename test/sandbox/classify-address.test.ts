import { describe, expect, it } from "vitest";
import { classifyAddress, normalizeIpAddress } from "../../src/sandbox/classify-address.js";

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["104.16.0.1", "public"],
    ["2606:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.100.100.200", "private"],
    ["fc00::1", "private"],
    ["fd00:ec2::254", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["192.0.2.1", "reserved"],
    ["not an address", "reserved"],
  ])("%s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it("classifies the IPv4 address inside IPv4-mapped and NAT64 IPv6 addresses", () => {
    expect(classifyAddress("::ffff:127.0.0.1")).toBe("loopback");
    expect(classifyAddress("::ffff:a9fe:a9fe")).toBe("link-local");
    expect(classifyAddress("64:ff9b::10.0.0.1")).toBe("private");
    expect(classifyAddress("::ffff:8.8.8.8")).toBe("public");
  });

  it("does not take public addresses next to the ranges for private ones", () => {
    expect(classifyAddress("172.32.0.1")).toBe("public");
    expect(classifyAddress("172.15.255.255")).toBe("public");
    expect(classifyAddress("100.128.0.1")).toBe("public");
    expect(classifyAddress("169.253.255.255")).toBe("public");
    expect(classifyAddress("fbff::1")).toBe("public");
  });
});

describe("normalizeIpAddress", () => {
  it("gives one spelling per address, IPv4-mapped ones as IPv4, and undefined for what is not an address", () => {
    expect(normalizeIpAddress("10.0.0.1")).toBe("10.0.0.1");
    expect(normalizeIpAddress("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(normalizeIpAddress("FE80::1%eth0")).toBe("fe80::1");
    expect(normalizeIpAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeIpAddress("::ffff:a9fe:a9fe")).toBe("169.254.169.254");
    expect(normalizeIpAddress("64:ff9b::10.0.0.1")).toBe("64:ff9b::a00:1");
    expect(normalizeIpAddress("example.com")).toBeUndefined();
    expect(normalizeIpAddress("10.0.0.1/8")).toBeUndefined();
  });
});
