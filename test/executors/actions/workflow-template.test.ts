import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BOOTSTRAP_SCRIPT } from "../../../src/executors/actions/bootstrap-script.js";
import { renderRunName } from "../../../src/domain/actions-workflow.js";
import { renderWorkflowTemplate, WorkflowTemplateError } from "../../../src/executors/actions/workflow-template.js";
import { evaluateInputs, findHamsterStep, parseWorkflow } from "./workflow-yaml.js";

const PUBLIC_URL = "https://hamster.example.com";
const ALLOWED_ACTIONS = ["actions/checkout@v4", "actions/setup-node@v4"];

describe("renderWorkflowTemplate", () => {
  const text = renderWorkflowTemplate({ publicUrl: PUBLIC_URL });
  const workflow = parseWorkflow(text);
  const job = workflow.jobs.deliver;

  it("is one workflow_dispatch job with exactly the contract's inputs", () => {
    expect(Object.keys(workflow)).toEqual(["name", "run-name", "on", "permissions", "jobs"]);
    expect(workflow.name).toBe("Hamster");
    expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
    expect(workflow.on.workflow_dispatch.inputs).toEqual({
      hamster_run: { description: expect.any(String), required: true, type: "string" },
      hamster_attempt: { description: expect.any(String), required: true, type: "string" },
      timeout_minutes: { description: expect.any(String), required: false, default: "60", type: "string" },
    });
    expect(Object.keys(workflow.jobs)).toEqual(["deliver"]);
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(job["timeout-minutes"]).toBe("${{ fromJSON(inputs.timeout_minutes) }}");
  });

  it("names each workflow run exactly as renderRunName does", () => {
    expect(evaluateInputs(workflow["run-name"], { hamster_run: "12", hamster_attempt: "3" })).toBe(renderRunName(12, 3));
  });

  it("asks for reading the repository and an OIDC token, and nothing else", () => {
    expect(workflow.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job).not.toHaveProperty("permissions");
  });

  it("uses only actions/checkout and actions/setup-node, and run steps", () => {
    for (const step of job.steps) {
      expect(Object.keys(step).filter((key) => key === "uses" || key === "run")).toHaveLength(1);
      if (step.uses !== undefined) expect(ALLOWED_ACTIONS).toContain(step.uses);
    }
    expect(job.steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "persist-credentials": false } });
    expect(job.steps[1]).toMatchObject({ uses: "actions/setup-node@v4", with: { "node-version": 20 } });
  });

  it("uses no GitHub expression but the inputs", () => {
    const expressions = new Set(Array.from(text.matchAll(/\$\{\{(.*?)\}\}/g), (m) => m[1]!.trim()));
    expect([...expressions].sort()).toEqual(["fromJSON(inputs.timeout_minutes)", "inputs.hamster_attempt", "inputs.hamster_run"]);
  });

  it("has a marked setup section, with one harmless step, between setup-node and the Hamster step", () => {
    const lines = text.split("\n");
    const start = lines.findIndex((line) => line.includes("# ---- Setup: edit this section"));
    const end = lines.findIndex((line) => line.includes("# ---- End of the setup section"));
    const hamster = lines.findIndex((line) => line.includes("# ---- Hamster: keep as it is"));
    expect(start).toBeGreaterThan(lines.findIndex((line) => line.includes("uses: actions/setup-node@v4")));
    expect(end).toBeGreaterThan(start);
    expect(hamster).toBeGreaterThan(end);
    const section = lines.slice(start, end).join("\n");
    expect(section).toContain("# - uses: actions/setup-python@v5");
    expect(section).toContain("# - run: npm ci");
    expect(job.steps).toHaveLength(4);
    expect(job.steps[2]).toEqual({ name: expect.any(String), run: "node --version && npm --version && git --version" });
  });

  it("ends with the Hamster step, which writes the bootstrap with a quoted heredoc and runs it", () => {
    const step = findHamsterStep(workflow);
    expect(job.steps.at(-1)).toBe(step);
    expect(step.shell).toBe("bash");
    expect(step.env).toEqual({ HAMSTER_URL: PUBLIC_URL, HAMSTER_RUN: "${{ inputs.hamster_run }}", HAMSTER_ATTEMPT: "${{ inputs.hamster_attempt }}" });
    const lines = step.run.replace(/\n$/, "").split("\n");
    expect(lines[0]).toBe(`cat > "$RUNNER_TEMP/hamster-start.mjs" <<'HAMSTER_START'`);
    expect(lines.at(-2)).toBe("HAMSTER_START");
    expect(lines.at(-1)).toBe(`node "$RUNNER_TEMP/hamster-start.mjs"`);
    expect(`${lines.slice(1, -2).join("\n")}\n`).toBe(BOOTSTRAP_SCRIPT);
  });

  it("keeps a URL with YAML's special characters as it is, without a trailing slash", () => {
    const url = String.raw`https://hamster.example.com:8443/a:b/'c'/"d"/&e/*f/!g/|h/>i/%41/[1]/{2},@3/\x/end:/`;
    const env = findHamsterStep(parseWorkflow(renderWorkflowTemplate({ publicUrl: url }))).env;
    expect(env.HAMSTER_URL).toBe(url.replace(/\/$/, ""));
  });

  it.each([
    ["not a URL", "hamster.example.com"],
    ["another scheme", "ftp://hamster.example.com"],
    ["spaces", "https://hamster.example.com/a b"],
    ["a line break", "https://hamster.example.com/a\nb"],
    ["a password", "https://user:pw@hamster.example.com"],
    ["a query", "https://hamster.example.com/?x=1"],
    ["a fragment", "https://hamster.example.com/#x"],
    ["an Actions expression", "https://hamster.example.com/${{ secrets.X }}"],
  ])("refuses a public URL with %s", (_what, publicUrl) => {
    expect(() => renderWorkflowTemplate({ publicUrl })).toThrow(WorkflowTemplateError);
  });

  it("embeds a bootstrap that Node parses as an ES module", () => {
    const dir = mkdtempSync(join(tmpdir(), "hamster-bootstrap-"));
    try {
      const file = join(dir, "hamster-start.mjs");
      writeFileSync(file, BOOTSTRAP_SCRIPT);
      const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 20_000 });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
