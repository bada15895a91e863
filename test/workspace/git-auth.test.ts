import { describe, expect, it } from "vitest";
import { buildAuthorizationHeader, buildGitAuthEnv, redactToken } from "../../src/workspace/git-auth.js";

const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

describe("buildGitAuthEnv", () => {
  it("passes the token as a Basic auth header through git's environment config", () => {
    const env = buildGitAuthEnv(TOKEN);
    expect(env).toEqual({
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: expect.stringMatching(/^Authorization: Basic [A-Za-z0-9+/=]+$/),
    });
    const encoded = env.GIT_CONFIG_VALUE_0!.slice("Authorization: Basic ".length);
    expect(Buffer.from(encoded, "base64").toString("utf8")).toBe(`x-access-token:${TOKEN}`);
    // Only in encoded form: the raw token is not in any value.
    expect(Object.values(env).join("\n")).not.toContain(TOKEN);
  });

  it("only turns prompts off when there is no token", () => {
    expect(buildGitAuthEnv(undefined)).toEqual({ GIT_TERMINAL_PROMPT: "0" });
    expect(buildGitAuthEnv("")).toEqual({ GIT_TERMINAL_PROMPT: "0" });
  });
});

describe("redactToken", () => {
  it("replaces the raw token and its encoded forms", () => {
    const header = buildAuthorizationHeader(TOKEN);
    const text = [
      `token ${TOKEN} here`,
      `Authorization: ${header}`,
      `plain base64 ${Buffer.from(TOKEN).toString("base64")}`,
      `https://x-access-token:${TOKEN}@example.test/repo.git`,
    ].join("\n");
    const redacted = redactToken(text, TOKEN);
    expect(redacted).toBe(
      [
        "token *** here",
        "Authorization: Basic ***",
        "plain base64 ***",
        "https://x-access-token:***@example.test/repo.git",
      ].join("\n"),
    );
  });

  it("replaces a token that URL-encoding changes", () => {
    const odd = "tok/en+with=chars";
    expect(redactToken(`a ${encodeURIComponent(odd)} b ${odd}`, odd)).toBe("a *** b ***");
  });

  it("leaves text alone without a token", () => {
    expect(redactToken("nothing secret", undefined)).toBe("nothing secret");
    expect(redactToken("nothing secret", "")).toBe("nothing secret");
  });
});
