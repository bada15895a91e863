import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSandboxSettings, HOME_SECRET_PATHS, HOST_SOCKET_PATHS } from "../../src/sandbox/sandbox-settings.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "hamster-sandbox-settings-"));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("buildSandboxSettings", () => {
  it("hides the data directory, the app's directory, the private key, credentials in the app's home and host sockets", () => {
    const settings = buildSandboxSettings({
      mode: "bubblewrap",
      network: "none",
      dataDir: "/srv/hamster/data",
      appDir: "/srv/hamster/app",
      privateKeyPath: "keys/app.pem",
      appHome: "/home/hamster",
      extraHidePaths: ["/etc/hamster"],
      limits: { processes: 100 },
    });
    expect(settings).toEqual({
      mode: "bubblewrap",
      network: "none",
      limits: { processes: 100 },
      hidePaths: [
        "/srv/hamster/data",
        "/srv/hamster/app",
        "/srv/hamster/app/keys/app.pem",
        ...HOME_SECRET_PATHS.map((p) => path.join("/home/hamster", p)),
        ...HOST_SOCKET_PATHS,
        "/etc/hamster",
      ],
    });
    expect(settings.hidePaths).toContain("/home/hamster/.ssh");
  });

  it("hides only the secret files of an app directory that is the home (or /), so toolchains installed there stay usable", () => {
    const home = path.join(root, "home");
    mkdirSync(home);
    for (const name of [".env", ".env.local", "app.private-key.pem", "package.json"]) writeFileSync(path.join(home, name), "x");
    const settings = buildSandboxSettings({ mode: "bubblewrap", network: "none", dataDir: path.join(home, "data"), appDir: home, appHome: home });
    expect(settings.hidePaths).not.toContain(home);
    expect(settings.hidePaths).toEqual(expect.arrayContaining([path.join(home, ".env"), path.join(home, ".env.local"), path.join(home, "app.private-key.pem")]));
    expect(settings.hidePaths).not.toContain(path.join(home, "package.json"));
    expect(buildSandboxSettings({ mode: "bubblewrap", network: "none", dataDir: "/data", appDir: "/" }).hidePaths).not.toContain("/");
  });

  it("refuses a relative extra path", () => {
    expect(() => buildSandboxSettings({ mode: "off", network: "none", dataDir: "/d", appDir: "/a", extraHidePaths: ["secrets"] })).toThrow(/absolute/);
  });
});
