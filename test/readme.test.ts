import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderRepoConfigReference } from "../src/config/repo-config.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the .github/hamster.yml reference the app itself replies with", () => {
    expect(readme).toContain(renderRepoConfigReference());
  });
});
