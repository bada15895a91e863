import { describe, expect, it } from "vitest";
import { findUpstreamProxy, parseUpstreamProxies, type UpstreamProxies } from "../../src/sandbox/upstream-proxy.js";

function proxies(env: Record<string, string>): UpstreamProxies | undefined {
  const parsed = parseUpstreamProxies(env);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.proxies;
}

describe("parseUpstreamProxies", () => {
  it("is undefined without a proxy variable", () => {
    expect(proxies({})).toBeUndefined();
    expect(proxies({ HTTPS_PROXY: " ", NO_PROXY: "example.com" })).toBeUndefined();
  });

  it("reads the URL, its port and credentials, and keeps the credentials out of the label", () => {
    const https = proxies({ HTTPS_PROXY: "http://us%40er:p%3Ass@proxy.corp.example:3128" })!.tunnel!;
    expect(https).toEqual({
      host: "proxy.corp.example",
      port: 3128,
      authorization: `Basic ${Buffer.from("us@er:p:ss").toString("base64")}`,
      label: "http://proxy.corp.example:3128",
    });
    expect(proxies({ HTTPS_PROXY: "proxy.corp.example" })!.tunnel).toEqual({ host: "proxy.corp.example", port: 80, label: "http://proxy.corp.example" });
    expect(proxies({ HTTPS_PROXY: "http://[fd00::1]:8080/" })!.tunnel).toEqual({ host: "fd00::1", port: 8080, label: "http://[fd00::1]:8080" });
  });

  it("takes tunnels through HTTPS_PROXY, or HTTP_PROXY without it, and plain requests through HTTP_PROXY only; lower case wins", () => {
    const both = proxies({ HTTPS_PROXY: "http://s:1", HTTP_PROXY: "http://h:2" })!;
    expect([both.tunnel?.host, both.request?.host]).toEqual(["s", "h"]);
    const httpOnly = proxies({ HTTP_PROXY: "http://h:2" })!;
    expect([httpOnly.tunnel?.host, httpOnly.request?.host]).toEqual(["h", "h"]);
    const httpsOnly = proxies({ HTTPS_PROXY: "http://s:1" })!;
    expect([httpsOnly.tunnel?.host, httpsOnly.request]).toEqual(["s", undefined]);
    expect(proxies({ HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:1" })!.tunnel?.host).toBe("lower");
  });

  it("reports every proxy URL it cannot use, naming the variable", () => {
    expect(parseUpstreamProxies({ HTTPS_PROXY: "https://proxy:443", http_proxy: "socks5://proxy:1080" })).toEqual({
      ok: false,
      problems: ["HTTPS_PROXY: https:// proxies are not supported, only http:// ones", "http_proxy: socks5:// proxies are not supported, only http:// ones"],
    });
    expect(parseUpstreamProxies({ HTTP_PROXY: "http://proxy:99999" })).toMatchObject({ ok: false, problems: ["HTTP_PROXY: is not a proxy URL such as http://proxy.example:3128"] });
    expect(parseUpstreamProxies({ HTTP_PROXY: "http://us%zzer:pw@proxy:3128" })).toEqual({ ok: false, problems: ["HTTP_PROXY: has a user or password that is not valid percent-encoding"] });
  });
});

describe("findUpstreamProxy", () => {
  const all = proxies({
    HTTPS_PROXY: "http://proxy:3128",
    HTTP_PROXY: "http://proxy:3128",
    NO_PROXY: "corp.example, .internal.example,*.svc.example localhost:8080,10.0.0.0/8,[fd00::1],192.168.1.5:443, not/valid",
  });
  const via = (host: string, port = 443) => findUpstreamProxy(all, "tunnel", host, port) !== undefined;

  it("sends every host through the proxy except those in NO_PROXY", () => {
    expect(via("registry.npmjs.org")).toBe(true);
    expect(via("corp.example")).toBe(false);
    expect(via("npm.corp.example")).toBe(false);
    expect(via("NPM.Corp.Example.")).toBe(false);
    expect(via("notcorp.example")).toBe(true);
    expect(via("internal.example")).toBe(false);
    expect(via("a.svc.example")).toBe(false);
  });

  it("honours ports, and matches addresses and ranges only when asked for literally", () => {
    expect(via("localhost", 8080)).toBe(false);
    expect(via("localhost", 443)).toBe(true);
    expect(via("10.1.2.3")).toBe(false);
    expect(via("[::ffff:10.1.2.3]")).toBe(false);
    expect(via("11.0.0.1")).toBe(true);
    expect(via("[fd00::1]")).toBe(false);
    expect(via("fd00::2")).toBe(true);
    expect(via("192.168.1.5", 443)).toBe(false);
    expect(via("192.168.1.5", 80)).toBe(true);
  });

  it("goes direct for everything with NO_PROXY=*, and always without a proxy for that kind", () => {
    expect(findUpstreamProxy(proxies({ HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }), "tunnel", "registry.npmjs.org", 443)).toBeUndefined();
    expect(findUpstreamProxy(proxies({ HTTPS_PROXY: "http://p:1" }), "request", "registry.npmjs.org", 80)).toBeUndefined();
    expect(findUpstreamProxy(undefined, "tunnel", "registry.npmjs.org", 443)).toBeUndefined();
  });
});
