import { afterEach, describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config/env.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { fakeChars } from "../security/fake-secrets.js";

/** Whether the console is on: the app's OAuth credentials, and the GitHub it signs in with. */

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("the console's settings", () => {
  const secret = fakeChars("console-setup-secret", 40);

  it("reads the OAuth credentials, and signs in at github.com or at GHE_HOST", () => {
    expect(parseSettings({}).oauth).toBeUndefined();
    expect(parseSettings({}).github).toEqual({ webUrl: "https://github.com", apiUrl: "https://api.github.com" });
    const ghes = parseSettings({ GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: secret, GHE_HOST: "ghe.example.com" });
    expect(ghes.oauth).toEqual({ clientId: "Iv1.abc", clientSecret: secret });
    expect(ghes.github).toEqual({ webUrl: "https://ghe.example.com", apiUrl: "https://ghe.example.com/api/v3" });
    expect(parseSettings({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }).github.apiUrl).toBe("http://127.0.0.1:8080/api/v3");
  });

  it("refuses one credential without the other", () => {
    expect(() => parseSettings({ GITHUB_CLIENT_ID: "Iv1.abc" })).toThrow(SettingsError);
    expect(() => parseSettings({ GITHUB_CLIENT_SECRET: secret })).toThrow(/GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET/);
  });

  it("without them, every console page says what it needs, and nothing else of the app changes", async () => {
    disableNetwork();
    app = await createTestApp();
    for (const path of ["/hamster/", "/hamster/runs", "/hamster/login"]) {
      const answer = await fetch(`${app.settings.publicUrl}${path}`, { redirect: "manual" });
      expect(answer.status, path).toBe(503);
      const html = await answer.text();
      expect(html).toContain("GITHUB_CLIENT_ID");
      expect(html).toContain("GITHUB_CLIENT_SECRET");
    }
    expect((await fetch(`${app.settings.publicUrl}/hamster/assets/console.css`)).status).toBe(200);
    expect((await fetch(`${app.settings.publicUrl}/elsewhere`)).status).toBe(404);
  });

  it("with them, the console asks to sign in", async () => {
    disableNetwork();
    app = await createTestApp({ env: { GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: secret } });
    const answer = await fetch(`${app.settings.publicUrl}/hamster/runs`, { redirect: "manual" });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/hamster/login?next=%2Fhamster%2Fruns");
    const login = await fetch(`${app.settings.publicUrl}/hamster/login`, { redirect: "manual" });
    const authorize = new URL(login.headers.get("location")!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe("Iv1.abc");
  });
});
