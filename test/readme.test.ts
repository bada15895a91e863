import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderRepoConfigReference } from "../src/config/repo-config.js";
import { REQUIRED_COMMANDS } from "./global-setup.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the .github/hamster.yml reference the app itself replies with", () => {
    expect(readme).toContain(renderRepoConfigReference());
  });

  it("tells how to run the tests and names every command they need, with its package", () => {
    expect(readme).toContain("npm test");
    for (const { command, apt } of REQUIRED_COMMANDS) {
      expect(readme).toContain(`\`${command}\``);
      expect(readme).toContain(apt);
    }
  });
});
