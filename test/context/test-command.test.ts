import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverTestCommand } from "../../src/context/test-command.js";

let workdir: string;

beforeEach(() => {
  workdir = mkdtempSync(path.join(tmpdir(), "hamster-test-command-"));
});

afterEach(() => {
  rmSync(workdir, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workdir, name)), { recursive: true });
    writeFileSync(path.join(workdir, name), text);
  }
}

const packageJson = (test?: string) => JSON.stringify({ name: "x", scripts: test === undefined ? { build: "tsc" } : { test } });
const NPM_PLACEHOLDER = 'echo "Error: no test specified" && exit 1';

describe("discoverTestCommand", () => {
  it("finds nothing in an empty or missing directory", async () => {
    expect(await discoverTestCommand(workdir)).toBeUndefined();
    expect(await discoverTestCommand(path.join(workdir, "missing"))).toBeUndefined();
  });

  it("uses the test script of package.json with the project's package manager", async () => {
    write({ "package.json": packageJson("vitest run") });
    expect(await discoverTestCommand(workdir)).toBe("npm test");
    write({ "yarn.lock": "# yarn lockfile v1\n" });
    expect(await discoverTestCommand(workdir)).toBe("yarn test");
    write({ "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" });
    expect(await discoverTestCommand(workdir)).toBe("pnpm test");
  });

  it("skips npm's placeholder script, a missing script and a malformed package.json", async () => {
    write({ "package.json": packageJson(NPM_PLACEHOLDER), Makefile: "test:\n\tprove\n" });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ "package.json": packageJson() });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ "package.json": "{ not json" });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ "package.json": JSON.stringify({ scripts: { test: "   " } }) });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ "package.json": JSON.stringify({ scripts: ["test"] }) });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ "package.json": packageJson(NPM_PLACEHOLDER) });
    rmSync(path.join(workdir, "Makefile"));
    expect(await discoverTestCommand(workdir)).toBeUndefined();
  });

  it("finds a Makefile test target, not assignments, .PHONY or recipe lines", async () => {
    write({ Makefile: ".PHONY: test\nTEST := 1\ntest ::= x\nbuild:\n\techo test: no\n" });
    expect(await discoverTestCommand(workdir)).toBeUndefined();
    write({ Makefile: "build:\n\tcc main.c\n\nlint test: build\n\t./run-tests\n" });
    expect(await discoverTestCommand(workdir)).toBe("make test");
    write({ Makefile: "test:: build\n" });
    expect(await discoverTestCommand(workdir)).toBe("make test");
  });

  it("reads only the Makefile make itself would read", async () => {
    // GNUmakefile comes first for make, so a Makefile beside it does not count.
    write({ GNUmakefile: "all:\n\ttrue\n", Makefile: "test:\n\ttrue\n" });
    expect(await discoverTestCommand(workdir)).toBeUndefined();
  });

  it("finds pytest in pyproject.toml, setup.cfg or pytest.ini", async () => {
    write({ "pyproject.toml": '[project]\nname = "x"\n' });
    expect(await discoverTestCommand(workdir)).toBeUndefined();
    write({ "pyproject.toml": '[project]\nname = "x"\n[tool.pytest.ini_options]\naddopts = "-q"\n' });
    expect(await discoverTestCommand(workdir)).toBe("python -m pytest");
    rmSync(path.join(workdir, "pyproject.toml"));
    write({ "setup.cfg": "[tool:pytest]\ntestpaths = tests\n" });
    expect(await discoverTestCommand(workdir)).toBe("python -m pytest");
    rmSync(path.join(workdir, "setup.cfg"));
    write({ "pytest.ini": "" });
    expect(await discoverTestCommand(workdir)).toBe("python -m pytest");
  });

  it("finds cargo and go projects", async () => {
    write({ "go.mod": "module example.com/x\n\ngo 1.22\n" });
    expect(await discoverTestCommand(workdir)).toBe("go test ./...");
    write({ "Cargo.toml": '[package]\nname = "x"\n' });
    expect(await discoverTestCommand(workdir)).toBe("cargo test");
  });

  it("follows the order npm, make, pytest, cargo, go", async () => {
    write({
      "go.mod": "module x\n",
      "Cargo.toml": "[package]\n",
      "pytest.ini": "[pytest]\n",
      Makefile: "test:\n\ttrue\n",
      "package.json": packageJson("jest"),
    });
    const expected = ["npm test", "make test", "python -m pytest", "cargo test", "go test ./..."];
    for (const [index, file] of ["package.json", "Makefile", "pytest.ini", "Cargo.toml", "go.mod"].entries()) {
      expect(await discoverTestCommand(workdir)).toBe(expected[index]);
      rmSync(path.join(workdir, file));
    }
    expect(await discoverTestCommand(workdir)).toBeUndefined();
  });

  it("skips directories, unreadable files and FIFOs without hanging", { timeout: 10_000 }, async () => {
    mkdirSync(path.join(workdir, "package.json"));
    mkdirSync(path.join(workdir, "go.mod"));
    write({ "Cargo.toml": "[package]\n" });
    // A FIFO opened for reading would block until a writer comes; this must return at once.
    execFileSync("mkfifo", [path.join(workdir, "Makefile")]);
    expect(await discoverTestCommand(workdir)).toBe("cargo test");
    if (process.getuid?.() !== 0) {
      // root reads files whatever their mode, so this part only means something for other users.
      chmodSync(path.join(workdir, "Cargo.toml"), 0o000);
      expect(await discoverTestCommand(workdir)).toBeUndefined();
    }
  });

  it("follows a symlinked manifest inside the checkout", async () => {
    write({ "packages/app/package.json": packageJson("vitest") });
    symlinkSync("packages/app/package.json", path.join(workdir, "package.json"));
    expect(await discoverTestCommand(workdir)).toBe("npm test");
  });
});
