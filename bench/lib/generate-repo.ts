import { spawn } from "node:child_process";
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Taken at load, so a test that wraps git on PATH does not wrap the generator's git. */
const GENERATOR_PATH = process.env.PATH ?? "/usr/bin:/bin";

/** The author and committer of every generated commit. */
const GENERATOR_IDENT = "Generator <generator@example.test>";
/** 2020-01-01T00:00:00Z; commits are an hour apart from there. */
const FIRST_COMMIT_TIME = 1_577_836_800;

export interface GenerateRepoOptions {
  /** Where to create the bare repository; must not exist. */
  readonly dir: string;
  /** Files in the first commit; every later commit rewrites some of them. */
  readonly files: number;
  /** Commits on `main`, the first one included. */
  readonly commits: number;
  /** Files each commit after the first rewrites. */
  readonly changesPerCommit: number;
  /** Mean size of a file; sizes spread evenly from a quarter to 1.75 times this. */
  readonly meanFileBytes: number;
  /** Seed of the generator, so one set of options always gives the same repository. */
  readonly seed?: number;
}

export interface GeneratedRepo {
  readonly dir: string;
  readonly branch: "main";
  readonly files: number;
  readonly commits: number;
  /** Bytes of the repository's packs: the size of its history as a server stores it. */
  readonly packBytes: number;
  /** Bytes of the files in the last commit: what a checkout holds. */
  readonly worktreeBytes: number;
  readonly headSha: string;
}

/**
 * Creates a bare repository shaped like a large real one: `files` source-like files spread
 * over 900 directories (30 × 30), and `commits` commits on `main`, each after the first
 * rewriting `changesPerCommit` files. One `git fast-import` stream writes it, which is
 * orders of magnitude faster than committing through a work tree.
 *
 * fast-import deltifies a blob only against the blob written just before it, so history
 * blobs are stored whole: the pack is about the compressed size of every file version.
 * A server that repacked with a delta search would store the same history smaller, but a
 * clone of it would also have more deltas to resolve; either way a clone pays for the
 * whole history and a warm run does not.
 */
export async function generateRepo(o: GenerateRepoOptions): Promise<GeneratedRepo> {
  if (o.files < 1 || o.commits < 1 || o.changesPerCommit < 1 || o.meanFileBytes < 16) {
    throw new RangeError("generateRepo needs at least one file, one commit, one change per commit and 16 bytes per file");
  }
  await runGeneratorGit(["init", "--quiet", "--bare", "--initial-branch=main", o.dir]);
  const random = createRandom(o.seed ?? 1);
  const pool = createTextPool(random, 4 * 1024 * 1024);
  const paths = Array.from({ length: o.files }, (_, index) => renderFilePath(index));
  const sizes = new Map<string, number>();
  const content = (path: string, version: number): Buffer => {
    const size = Math.max(16, Math.floor(o.meanFileBytes * (0.25 + 1.5 * random())));
    sizes.set(path, size);
    const header = Buffer.from(`// ${path} (version ${version})\n`);
    const start = Math.floor(random() * (pool.length - size));
    return Buffer.concat([header, pool.subarray(start, start + Math.max(0, size - header.length))]);
  };

  await runFastImport(o.dir, async (write) => {
    await write(`feature done\n`);
    for (let commit = 0; commit < o.commits; commit += 1) {
      const message = commit === 0 ? "Initial import" : `Change ${commit}`;
      await write(renderCommitHeader(commit, message));
      const changed = commit === 0 ? paths : pickDistinct(paths, Math.min(o.changesPerCommit, paths.length), random);
      for (const path of changed) {
        const data = content(path, commit);
        await write(`M 100644 inline ${path}\ndata ${data.length}\n`);
        await write(data);
        await write("\n");
      }
    }
    await write("done\n");
  });

  const headSha = (await runGeneratorGit(["--git-dir", o.dir, "rev-parse", "refs/heads/main"])).trim();
  let worktreeBytes = 0;
  for (const size of sizes.values()) worktreeBytes += size;
  return { dir: o.dir, branch: "main", files: o.files, commits: o.commits, packBytes: await measurePackBytes(o.dir), worktreeBytes, headSha };
}

/**
 * Adds one commit on top of `branch` that writes `files`, as someone pushing to the
 * repository would; returns the new commit's id. Through fast-import, so it costs the same
 * whatever the repository's size.
 */
export async function appendCommit(dir: string, branch: string, files: Record<string, string>, message: string): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const parent = (await runGeneratorGit(["--git-dir", dir, "rev-parse", "--verify", ref])).trim();
  await runFastImport(dir, async (write) => {
    await write("feature done\n");
    await write(`commit ${ref}\ncommitter ${GENERATOR_IDENT} ${Math.floor(Date.now() / 1000)} +0000\n`);
    const text = Buffer.from(message);
    await write(`data ${text.length}\n`);
    await write(text);
    await write(`\nfrom ${parent}\n`);
    for (const [path, body] of Object.entries(files)) {
      const data = Buffer.from(body);
      await write(`M 100644 inline ${path}\ndata ${data.length}\n`);
      await write(data);
      await write("\n");
    }
    await write("done\n");
  });
  return (await runGeneratorGit(["--git-dir", dir, "rev-parse", ref])).trim();
}

/** Bytes of `<dir>/objects/pack/*.pack`. */
export async function measurePackBytes(gitDir: string): Promise<number> {
  const packDir = join(gitDir, "objects", "pack");
  const names = await readdir(packDir).catch(() => [] as string[]);
  let total = 0;
  for (const name of names.filter((entry) => entry.endsWith(".pack"))) total += (await stat(join(packDir, name))).size;
  return total;
}

/** git with no system or global config and a fixed identity; for the generator and the benchmark's own commands. */
export async function runGeneratorGit(args: readonly string[], cwd: string = tmpdir(), env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync("git", [...args], {
    cwd,
    env: { ...buildGeneratorEnv(), ...env },
    maxBuffer: 64 * 1024 * 1024,
    encoding: "utf8",
  });
  return stdout;
}

export function buildGeneratorEnv(): Record<string, string> {
  return {
    PATH: GENERATOR_PATH,
    HOME: process.env.HOME ?? tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
}

type Write = (chunk: string | Buffer) => Promise<void>;

/** Runs `git fast-import` on `gitDir`, feeding it what `feed` writes; waits for stdin's buffer to drain. */
async function runFastImport(gitDir: string, feed: (write: Write) => Promise<void>): Promise<void> {
  // Compression level 1: a fast generator matters more than a small pack here.
  const child = spawn("git", ["--git-dir", gitDir, "-c", "pack.compression=1", "fast-import", "--quiet"], {
    env: buildGeneratorEnv(),
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  let broken: Error | undefined;
  child.stdin.on("error", (error) => (broken = error));
  const write: Write = (chunk) => {
    if (broken !== undefined) return Promise.reject(broken);
    if (child.stdin.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => child.stdin.once("drain", resolve));
  };
  try {
    await feed(write);
  } finally {
    child.stdin.end();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (exit code ${code}): ${stderr.trim()}`);
}

function renderCommitHeader(index: number, message: string): string {
  const time = FIRST_COMMIT_TIME + index * 3600;
  const text = Buffer.from(message);
  return `commit refs/heads/main\nauthor ${GENERATOR_IDENT} ${time} +0000\ncommitter ${GENERATOR_IDENT} ${time} +0000\ndata ${text.length}\n${message}\n`;
}

/** `src/m07/p21/file0042.ts`: 900 directories, files spread evenly over them. */
function renderFilePath(index: number): string {
  const dir = index % 900;
  const pad = (value: number, width: number) => String(value).padStart(width, "0");
  return `src/m${pad(Math.floor(dir / 30), 2)}/p${pad(dir % 30, 2)}/file${pad(Math.floor(index / 900), 4)}.ts`;
}

function pickDistinct<T>(items: readonly T[], count: number, random: () => number): T[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * items.length));
  return [...picked].map((index) => items[index]!);
}

/**
 * Source-like text: lines of identifiers, numbers and hex from a fixed vocabulary. Files are
 * slices of it, so each compresses like code does (about 3:1) and no two are alike.
 */
function createTextPool(random: () => number, bytes: number): Buffer {
  const word = () => {
    const letters = "abcdefghijklmnopqrstuvwxyz";
    let text = "";
    const length = 3 + Math.floor(random() * 9);
    for (let i = 0; i < length; i += 1) text += letters[Math.floor(random() * letters.length)];
    return text;
  };
  const vocabulary = Array.from({ length: 3000 }, word);
  const pick = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
  const hex = () => Math.floor(random() * 0xffffffff).toString(16);
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const indent = " ".repeat(2 * Math.floor(random() * 4));
    const kind = Math.floor(random() * 4);
    const line =
      kind === 0
        ? `${indent}const ${pick()}${pick()} = ${pick()}(${pick()}, ${Math.floor(random() * 10_000)});`
        : kind === 1
          ? `${indent}if (${pick()}.${pick()} !== "${hex()}") return ${pick()}(${pick()});`
          : kind === 2
            ? `${indent}// ${pick()} ${pick()} ${pick()} ${pick()} ${pick()} ${pick()}`
            : `${indent}${pick()}.${pick()}(${pick()}, "${hex()}${hex()}", ${random().toFixed(6)});`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

/** mulberry32: small, fast and good enough to spread test data. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
