import { createServer } from "node:net";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { describeFailure } from "../../src/lifecycle/describe-failure.js";
import { findNetworkFailure } from "../../src/lifecycle/network-failure.js";

/**
 * Errors as Octokit really throws them: a request through Octokit whose fetch fails the way
 * Node's fetch does (a TypeError "fetch failed" whose cause is Node's own error), or answers.
 * One real connection is made, to a closed port on 127.0.0.1.
 */
function octokitWith(fetch: typeof globalThis.fetch, baseUrl = "https://api.github.com") {
  return new ProbotOctokit({ baseUrl, request: { fetch }, retry: { enabled: false }, throttle: { enabled: false } });
}

/** Node's error for a failed DNS lookup, connection or TLS handshake, as undici's fetch wraps it. */
function fetchFailing(nodeError: Error): typeof globalThis.fetch {
  return () => Promise.reject(new TypeError("fetch failed", { cause: nodeError }));
}

function nodeError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the request to fail");
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ENOTFOUND = nodeError("getaddrinfo ENOTFOUND api.github.com", { errno: -3008, code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "api.github.com" });

describe("describeFailure on network errors", () => {
  it("says a name that does not resolve is a network problem, names the host, and does not call it HTTP 500", async () => {
    const error = await caught(octokitWith(fetchFailing(ENOTFOUND)).request("POST /app/installations/{installation_id}/access_tokens", { installation_id: 4 }));
    expect((error as { status: number }).status).toBe(500);
    const reason = describeFailure(error);
    expect(reason).toContain("could not reach `api.github.com`");
    expect(reason).toContain("does not resolve (ENOTFOUND)");
    expect(reason).toContain("GHE_HOST");
    expect(reason).not.toMatch(/HTTP 500|permissions/);
  });

  it("names the host and port of a refused connection (a real one, to a closed port on 127.0.0.1)", async () => {
    const port = await closedPort();
    const error = await caught(octokitWith(globalThis.fetch, `http://127.0.0.1:${port}/api/v3`).rest.issues.get({ owner: "o", repo: "r", issue_number: 1 }));
    expect(findNetworkFailure(error)).toEqual({ code: "ECONNREFUSED", message: `connect ECONNREFUSED 127.0.0.1:${port}`, host: `127.0.0.1:${port}`, toGitHub: true });
    expect(describeFailure(error)).toContain(`could not reach \`127.0.0.1:${port}\`: the connection was refused (ECONNREFUSED)`);
  });

  it("says a reset, a timeout and a failed lookup as such", async () => {
    const cases = [
      [nodeError("read ECONNRESET", { errno: -104, code: "ECONNRESET", syscall: "read" }), "the connection was reset (ECONNRESET)"],
      [nodeError("connect ETIMEDOUT 10.0.0.1:443", { errno: -110, code: "ETIMEDOUT", syscall: "connect", address: "10.0.0.1", port: 443 }), "timed out (ETIMEDOUT)"],
      [nodeError("Connect Timeout Error", { code: "UND_ERR_CONNECT_TIMEOUT" }), "timed out (UND_ERR_CONNECT_TIMEOUT)"],
      [nodeError("getaddrinfo EAI_AGAIN ghe.example.com", { errno: -3001, code: "EAI_AGAIN", syscall: "getaddrinfo", hostname: "ghe.example.com" }), "could not be resolved for now (EAI_AGAIN)"],
    ] as const;
    for (const [cause, words] of cases) {
      const error = await caught(octokitWith(fetchFailing(cause), "https://ghe.example.com/api/v3").request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }));
      const reason = describeFailure(error);
      expect(reason).toContain("could not reach `ghe.example.com`");
      expect(reason).toContain(words);
    }
  });

  it("points at NODE_EXTRA_CA_CERTS for a certificate the app does not trust", async () => {
    const cause = nodeError("self-signed certificate in certificate chain", { code: "SELF_SIGNED_CERT_IN_CHAIN" });
    const error = await caught(octokitWith(fetchFailing(cause), "https://ghe.example.com/api/v3").request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }));
    expect(describeFailure(error)).toContain("could not reach `ghe.example.com`: the server's TLS certificate was not accepted (SELF_SIGNED_CERT_IN_CHAIN)");
    expect(describeFailure(error)).toContain("NODE_EXTRA_CA_CERTS");
  });

  it("says a request that got no answer for another reason got none, with the reason", async () => {
    const error = await caught(octokitWith(fetchFailing(new Error("socket went away"))).request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }));
    const reason = describeFailure(error);
    expect(reason).toContain("could not reach `api.github.com`: the request failed (socket went away)");
    expect(reason).not.toContain("HTTP 500");
  });

  it("describes Node's own network errors outside Octokit, by the address they name", () => {
    const refused = nodeError("connect ECONNREFUSED 127.0.0.1:8080", { errno: -111, code: "ECONNREFUSED", syscall: "connect", address: "127.0.0.1", port: 8080 });
    expect(describeFailure(refused)).toContain("could not reach `127.0.0.1:8080`: the connection was refused");
    expect(describeFailure(refused)).not.toContain("GHE_HOST");
    // Every address of a name refused: one AggregateError whose errors name them.
    const all = Object.assign(new AggregateError([refused], ""), { code: "ECONNREFUSED" });
    expect(describeFailure(all)).toContain("could not reach `127.0.0.1:8080`");
  });
});

describe("describeFailure on GitHub's answers", () => {
  it("still says GitHub answered when it did, 500 included", async () => {
    const answer = (status: number) => () => Promise.resolve(new Response(JSON.stringify({ message: "Server Error" }), { status, headers: { "content-type": "application/json" } }));
    const error = await caught(octokitWith(answer(500)).request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }));
    expect(findNetworkFailure(error)).toBeNull();
    expect(describeFailure(error)).toContain("GitHub answered HTTP 500");
    const forbidden = await caught(octokitWith(answer(403)).request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }));
    expect(describeFailure(forbidden)).toContain("GitHub answered HTTP 403");
  });

  it("leaves other errors as they were", () => {
    expect(describeFailure(new Error("boom"))).toContain("unexpected error: boom");
    expect(findNetworkFailure(Object.assign(new Error("x"), { code: "ENOENT" }))).toBeNull();
    expect(findNetworkFailure("text")).toBeNull();
  });
});
