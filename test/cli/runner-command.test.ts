import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runMain } from "../helpers/cli.js";

/** `hamster runner` in-process, against an app that refuses every credential (401), which it sees. */
let server: Server;
let url: string;
let authorizations: string[];

beforeEach(async () => {
  authorizations = [];
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? "");
    req.resume();
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "The run credential is unknown." }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
});

async function runRunner(args: string[], env: NodeJS.ProcessEnv, stdin = "") {
  const { code, err } = await runMain(["runner", ...args], env, stdin);
  return { code, err };
}

describe("hamster runner", () => {
  it("takes the credential from its environment, and removes it from there", async () => {
    const env: NodeJS.ProcessEnv = { HAMSTER_RUN_CREDENTIAL: "hmr_7_fromenv", HAMSTER_SANDBOX: "off" };
    const { code, err } = await runRunner(["--url", url], env, "hmr_ignored\n");
    expect(authorizations).toEqual(["Bearer hmr_7_fromenv"]);
    expect(env["HAMSTER_RUN_CREDENTIAL"]).toBeUndefined();
    // The app refused it: nothing to do, and the exit code says so.
    expect(code).toBe(1);
    expect(err).toMatch(/HTTP 401: The run credential is unknown/);
    expect(err).not.toContain("hmr_7_fromenv");
  });

  it("reads the credential from the first line of standard input when the environment has none", async () => {
    const { code } = await runRunner(["--url", url], { HAMSTER_SANDBOX: "off" }, "hmr_7_fromstdin\nsomething else\n");
    expect(code).toBe(1);
    expect(authorizations).toEqual(["Bearer hmr_7_fromstdin"]);
  });

  it("refuses to start without a credential, a URL, or with a URL that is not http(s)", async () => {
    expect(await runRunner(["--url", url], {}, "")).toMatchObject({ code: 2, err: expect.stringMatching(/needs its run credential/) });
    expect(await runRunner([], { HAMSTER_RUN_CREDENTIAL: "x" })).toMatchObject({ code: 2, err: expect.stringMatching(/needs --url/) });
    expect(await runRunner(["--url", "file:///etc"], { HAMSTER_RUN_CREDENTIAL: "x" })).toMatchObject({ code: 2, err: expect.stringMatching(/must be an http\(s\) URL/) });
    expect(await runRunner(["--url", url, "--credential", "x"], {})).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--credential'/) });
    expect(await runRunner(["--url", url, "--workdir", ""], { HAMSTER_RUN_CREDENTIAL: "x" })).toMatchObject({ code: 2, err: expect.stringMatching(/--workdir needs a directory/) });
    expect(authorizations).toEqual([]);
  });
});
