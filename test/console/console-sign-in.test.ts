import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleRoute } from "../../src/console/console-request.js";
import { ACME_INSTALLATION, cookiePair, readCsrf, startConsoleHarness, twoTeams, type ConsoleHarness } from "../helpers/console.js";

/** Sign-in, sessions, sign-out and CSRF, over HTTP against the console's handler and a fake GitHub. */

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A POST route that records that it ran: whether the router let a request through to a page. */
function recordingRoute(calls: string[]): ConsoleRoute {
  return {
    method: "POST",
    pattern: "/hamster/test/echo/:word",
    handle: async (ctx, _request, response, params) => {
      calls.push(`${params["word"]}:${ctx.form.get("note")}`);
      response.writeHead(200, { "content-type": "text/plain" }).end("done");
    },
  };
}

describe("signing in with GitHub", () => {
  it("sends the browser to GitHub with a fresh state and the callback under HAMSTER_PUBLIC_URL", async () => {
    harness = await startConsoleHarness({ world: twoTeams(), publicUrl: "https://hamster.example" });
    const first = await harness.request("/hamster/login?next=%2Fhamster%2Fruns");
    const second = await harness.request("/hamster/login");
    expect(first.status).toBe(303);
    const authorize = new URL(first.headers.get("location")!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${harness.github.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(harness.github.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe("https://hamster.example/hamster/auth/callback");
    const state = authorize.searchParams.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(40);
    expect(new URL(second.headers.get("location")!).searchParams.get("state")).not.toBe(state);
  });

  it("refuses a callback whose state is not the one this browser started with, and asks GitHub for nothing", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const start = await harness.request("/hamster/login");
    const pendingCookie = cookiePair(start.headers.get("set-cookie"));
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const code = back.searchParams.get("code")!;

    const forged = await harness.request(`/hamster/auth/callback?code=${code}&state=${"x".repeat(43)}`, { cookie: pendingCookie });
    const noState = await harness.request(`/hamster/auth/callback?code=${code}`, { cookie: pendingCookie });
    // The right state, but from another browser (no signing-in session of its own).
    const otherBrowser = await harness.request(`${back.pathname}${back.search}`);

    for (const answer of [forged, noState, otherBrowser]) {
      expect(answer.status).toBe(400);
      expect(answer.headers.get("set-cookie")).toBeNull();
      expect(await answer.text()).toContain("Sign-in failed");
    }
    expect(harness.github.calls.filter((call) => call.path === "/login/oauth/access_token")).toEqual([]);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, for /hamster, not Secure on an http address", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { setCookie, pendingCookie } = await harness.signIn("alice");
    const attributes = setCookie.split(";").map((part) => part.trim());
    expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/hamster"]));
    expect(attributes).not.toContain("Secure");
    expect(pendingCookie).toMatch(/^hamster_session=/);
  });

  it("sets it Secure when HAMSTER_PUBLIC_URL is https", async () => {
    harness = await startConsoleHarness({ world: twoTeams(), publicUrl: "https://hamster.example" });
    const start = await harness.request("/hamster/login");
    const { setCookie } = await harness.signIn("alice");
    for (const header of [start.headers.get("set-cookie")!, setCookie]) {
      expect(header.split(";").map((part) => part.trim())).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/hamster", "Secure"]));
    }
  });

  it("gives the session a new id at sign-in: the id from before signing in opens nothing", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { cookie, pendingCookie } = await harness.signIn("alice");
    expect(cookie).not.toBe(pendingCookie);
    const before = await harness.request("/hamster/runs", { cookie: pendingCookie });
    expect(before.status).toBe(303);
    expect(before.headers.get("location")).toBe("/hamster/login?next=%2Fhamster%2Fruns");
    const after = await harness.request("/hamster/runs", { cookie });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("@alice");
  });

  it("keeps the user's GitHub tokens on the server: not in the cookie, not in the page", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { cookie } = await harness.signIn("alice");
    const row = harness.db.prepare("SELECT access_token, refresh_token FROM console_sessions WHERE user_login = 'alice'").get() as { access_token: string; refresh_token: string };
    expect(row.access_token).toMatch(/^ghu_/);
    const page = await (await harness.request("/hamster/runs", { cookie })).text();
    for (const token of [row.access_token, row.refresh_token]) {
      expect(cookie).not.toContain(token);
      expect(page).not.toContain(token);
    }
  });

  it("goes back to the page that asked for sign-in, and never to another site", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const unsigned = await harness.request(`/hamster/runs?installation=${ACME_INSTALLATION}`);
    expect(unsigned.headers.get("location")).toBe(`/hamster/login?next=${encodeURIComponent(`/hamster/runs?installation=${ACME_INSTALLATION}`)}`);
    for (const [next, landing] of [
      [`/hamster/runs?installation=${ACME_INSTALLATION}`, `/hamster/runs?installation=${ACME_INSTALLATION}`],
      ["//evil.example/hamster/", "/hamster/runs"],
      ["https://evil.example/", "/hamster/runs"],
      ["/hamster/\\evil.example", "/hamster/runs"],
      ["/api/github/webhooks", "/hamster/runs"],
    ] as const) {
      harness.github.signInAs("alice");
      const start = await harness.request(`/hamster/login?next=${encodeURIComponent(next)}`);
      const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
      const back = new URL(consent.headers.get("location")!);
      const callback = await harness.request(`${back.pathname}${back.search}`, { cookie: cookiePair(start.headers.get("set-cookie")) });
      expect(callback.headers.get("location")).toBe(landing);
    }
  });

  it("refreshes an expired user token with its refresh token, once, and goes on", async () => {
    harness = await startConsoleHarness({ world: twoTeams({ tokenLifetimeSeconds: 3600 }) });
    const { cookie } = await harness.signIn("alice");
    harness.advance(2 * 3600 * 1000);
    const pages = await Promise.all([harness.request("/hamster/runs", { cookie }), harness.request("/hamster/runs", { cookie })]);
    expect(pages.map((page) => page.status)).toEqual([200, 200]);
    const tokenCalls = harness.github.calls.filter((call) => call.path === "/login/oauth/access_token");
    // One for the sign-in's code, one refresh shared by both requests.
    expect(tokenCalls).toHaveLength(2);
  });

  it("asks to sign in again when GitHub no longer takes the user's token", async () => {
    harness = await startConsoleHarness({ world: twoTeams({ tokenLifetimeSeconds: 0 }) });
    const { cookie } = await harness.signIn("alice");
    harness.github.expireTokens("alice");
    const page = await harness.request("/hamster/runs", { cookie });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toMatch(/^\/hamster\/login\?next=/);
    // The session is gone, not only this request.
    expect((await harness.request("/hamster/runs", { cookie })).headers.get("location")).toMatch(/^\/hamster\/login/);
  });
});

describe("CSRF and sign-out", () => {
  it("refuses a POST without the session's CSRF token, and runs it with the token", async () => {
    const calls: string[] = [];
    harness = await startConsoleHarness({ world: twoTeams(), extraRoutes: () => [recordingRoute(calls)] });
    const { cookie } = await harness.signIn("alice");
    const csrf = readCsrf(await (await harness.request("/hamster/runs", { cookie })).text());
    const { cookie: bobCookie } = await harness.signIn("bob");
    const bobCsrf = readCsrf(await (await harness.request("/hamster/runs", { cookie: bobCookie })).text());

    const refused = [
      await harness.request("/hamster/test/echo/none", { cookie, form: { note: "x" } }),
      await harness.request("/hamster/test/echo/wrong", { cookie, form: { note: "x", csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` } }),
      await harness.request("/hamster/test/echo/bobs", { cookie, form: { note: "x", csrf: bobCsrf } }),
      await harness.request("/hamster/test/echo/query", { cookie, method: "POST", headers: { "content-type": "text/plain" } }),
    ];
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);
    // No session at all: refused too, and never redirected (a POST is not replayed after sign-in).
    expect((await harness.request("/hamster/test/echo/anon", { form: { note: "x", csrf } })).status).toBe(401);
    expect(calls).toEqual([]);

    const accepted = await harness.request("/hamster/test/echo/ok", { cookie, form: { note: "hello", csrf } });
    expect(accepted.status).toBe(200);
    const byHeader = await harness.request("/hamster/test/echo/header", { cookie, method: "POST", headers: { "x-hamster-csrf": csrf } });
    expect(byHeader.status).toBe(200);
    expect(calls).toEqual(["ok:hello", "header:null"]);
  });

  it("signs out with the CSRF token only, and the session is gone on the server", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { cookie } = await harness.signIn("alice");
    const csrf = readCsrf(await (await harness.request("/hamster/runs", { cookie })).text());

    expect((await harness.request("/hamster/logout", { cookie, form: {} })).status).toBe(403);
    expect((await harness.request("/hamster/runs", { cookie })).status).toBe(200);

    const out = await harness.request("/hamster/logout", { cookie, form: { csrf } });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^hamster_session=; Path=\/hamster; HttpOnly; SameSite=Lax; Max-Age=0/);
    expect(await out.text()).toContain("Signed out");
    // A copy of the old cookie opens nothing.
    expect((await harness.request("/hamster/runs", { cookie })).status).toBe(303);
  });
});

describe("the console's other entries", () => {
  it("sends /hamster/ to the runs list, serves its assets and diff2html's, and answers 404 for the rest", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    for (const path of ["/hamster", "/hamster/"]) {
      const answer = await harness.request(path);
      expect(answer.status).toBe(303);
      expect(answer.headers.get("location")).toBe("/hamster/runs");
    }
    for (const [name, type] of [
      ["console.css", "text/css"],
      ["console.js", "text/javascript"],
      ["diff2html.min.css", "text/css"],
      ["diff2html-ui.min.js", "text/javascript"],
    ] as const) {
      const asset = await harness.request(`/hamster/assets/${name}`);
      expect(asset.status, name).toBe(200);
      expect(asset.headers.get("content-type")).toContain(type);
      expect((await asset.text()).length).toBeGreaterThan(100);
    }
    expect((await harness.request("/hamster/assets/../console-handler.ts")).status).toBe(404);
    expect((await harness.request("/hamster/assets/nothing.js")).status).toBe(404);
    const { cookie } = await harness.signIn("bob");
    expect((await harness.request("/hamster/nowhere", { cookie })).status).toBe(404);
    expect((await harness.request("/elsewhere", { cookie })).status).toBe(404);
  });
});
