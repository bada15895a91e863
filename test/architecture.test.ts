import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
let dir: string | undefined;

afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

/** Runs the project's dependency-cruiser rules over a small tree of files. */
async function cruise(files: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  dir = mkdtempSync(join(tmpdir(), "hamster-layers-"));
  copyFileSync(join(root, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    const { stdout } = await promisify(execFile)(depcruise, ["src", "--config", ".dependency-cruiser.cjs"], { cwd: dir, timeout: 60_000 });
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

describe("the layer rules", () => {
  it("fail on an upward import, even a type-only one", async () => {
    const result = await cruise({
      "src/store/run-store.ts": 'import type { Reply } from "../intake/queue-run.js";\nexport type X = Reply;\n',
      "src/intake/queue-run.ts": "export type Reply = string;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("no-upward-from-store");
  });

  it("fail on a cycle", async () => {
    const result = await cruise({
      "src/intake/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/intake/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("no-circular");
  });

  it("fail when the domain imports anything, or the store imports the agent", async () => {
    const result = await cruise({
      "src/domain/run.ts": 'import type { Budgets } from "../agent/provider.js";\nexport type R = Budgets;\n',
      "src/agent/provider.ts": "export type Budgets = number;\n",
      "src/store/runs.ts": 'import type { Budgets } from "../agent/provider.js";\nexport type S = Budgets;\n',
    });
    expect(result.output).toContain("domain-imports-nothing");
    expect(result.output).toContain("adapters-stay-put");
  });
});
