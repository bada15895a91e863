import { describe, expect, it } from "vitest";
import { renderWorkflowTemplate } from "../../src/executors/actions/workflow-template.js";
import { runMain } from "../helpers/cli.js";

describe("hamster setup actions", () => {
  it("prints the workflow for HAMSTER_PUBLIC_URL", async () => {
    const { code, out, err } = await runMain(["setup", "actions"], { HAMSTER_PUBLIC_URL: "https://hamster.example.com/" });

    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toBe(renderWorkflowTemplate({ publicUrl: "https://hamster.example.com" }));
    expect(out).toContain('HAMSTER_URL: "https://hamster.example.com"');
  });

  it("fails with exit code 2 and says to set HAMSTER_PUBLIC_URL when it is not set", async () => {
    for (const env of [{}, { HAMSTER_PUBLIC_URL: "" }]) {
      const { code, out, err } = await runMain(["setup", "actions"], env);

      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err).toContain("hamster setup actions needs HAMSTER_PUBLIC_URL: set it to the app's public address");
    }
  });

  it("says what is wrong with a HAMSTER_PUBLIC_URL the workflow cannot hold", async () => {
    const { code, out, err } = await runMain(["setup", "actions"], { HAMSTER_PUBLIC_URL: "ftp://hamster.example.com" });

    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toBe('HAMSTER_PUBLIC_URL: The public URL must be an http(s) URL, got "ftp://hamster.example.com".\n');
  });

  it.each([[["setup"]], [["setup", "runners"]], [["setup", "actions", "now"]]])("refuses %j with its usage", async (args) => {
    const { code, err } = await runMain(args, { HAMSTER_PUBLIC_URL: "https://hamster.example.com" });

    expect(code).toBe(2);
    expect(err).toContain('hamster setup sets up "actions"');
    expect(err).toContain("hamster setup actions > .github/workflows/hamster.yml");
  });

  it("refuses an unknown option with the usage, and explains itself with --help", async () => {
    expect((await runMain(["setup", "actions", "--url", "x"], {})).code).toBe(2);
    const help = await runMain(["setup", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.out).toContain("HAMSTER_PUBLIC_URL");
  });

  it("is listed in hamster's usage", async () => {
    const { out } = await runMain(["--help"], {});
    expect(out).toContain("hamster setup actions > .github/workflows/hamster.yml");
    expect(out).toMatch(/^  setup   Prints the GitHub Actions workflow/m);
  });
});
