import { anthropicKey, privateKeys } from "../security/fake-secrets.js";
import { describe, expect, it } from "vitest";
import { buildRunnerEnv, resolveRunnerCli } from "../../src/executors/process/spawn-runner.js";

describe("buildRunnerEnv", () => {
  it("passes the host basics and the app's HAMSTER_* settings, never its secrets or a provider's settings", () => {
    const env = buildRunnerEnv(
      {
        PATH: "/usr/bin",
        HOME: "/home/app",
        LANG: "C.UTF-8",
        HTTPS_PROXY: "http://proxy:3128",
        PRIVATE_KEY_PATH: "/srv/app/key.pem",
        HAMSTER_SANDBOX: "bubblewrap",
        HAMSTER_COMMAND_TIMEOUT_SECONDS: "300",
        HAMSTER_VAULT_KEY: "1:c2VjcmV0",
        HAMSTER_RUN_CREDENTIAL: "hmr_old",
        ANTHROPIC_API_KEY: anthropicKey("spawn"),
        ANTHROPIC_BASE_URL: "https://api.anthropic.com",
        PRIVATE_KEY: privateKeys().pkcs1,
        WEBHOOK_SECRET: "whsec",
        GITHUB_TOKEN: "ghs_x",
        GH_TOKEN: "ghp_x",
        OPENAI_API_KEY: "sk-openai",
        APP_ID: "123",
        NODE_OPTIONS: "--require /tmp/evil.js",
      },
      "hmr_new",
    );
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/app",
      LANG: "C.UTF-8",
      HTTPS_PROXY: "http://proxy:3128",
      PRIVATE_KEY_PATH: "/srv/app/key.pem",
      HAMSTER_SANDBOX: "bubblewrap",
      HAMSTER_COMMAND_TIMEOUT_SECONDS: "300",
      HAMSTER_RUN_CREDENTIAL: "hmr_new",
    });
  });
});

describe("resolveRunnerCli", () => {
  it("names the compiled command, also when this module runs from its source", () => {
    expect(resolveRunnerCli()).toMatch(/\/dist\/src\/cli\/main\.js$/);
  });
});
