import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildAuthorizationHeader } from "../src/workspace/git-auth.js";
import { getDiskUsage, prepareCheckout, refillSpare, renderMirrorDir, renderSpareDir } from "../src/workspace/workspace.js";
import { appendCommit, generateRepo, runGeneratorGit } from "./lib/generate-repo.js";
import type { GeneratedRepo, GenerateRepoOptions } from "./lib/generate-repo.js";
import { startGitHttpServer } from "./lib/git-http-server.js";
import type { BenchmarkFigure } from "./lib/figure.js";

const execFileAsync = promisify(execFile);

/**
 * Warm workspaces: what a run pays to get its checkout when the app keeps a bare mirror
 * per repository, against what it pays without one.
 *
 * A repository shaped like a large real one is generated with `git fast-import` and served
 * over git's smart HTTP (`git http-backend`) on 127.0.0.1, behind token auth like GitHub's.
 * Then, all in one process, one after the other:
 * - baseline: `git clone` of it, as anyone would;
 * - cold: the first run's prepareCheckout with a mirrors directory (mirror created, whole
 *   history fetched, `clone --shared`, start commit pushed);
 * - today: prepareCheckout without a mirror (a full clone per run);
 * - spare: refillSpare, which the app runs in the background once a run has ended: the
 *   mirror's spare checkout, with all the files of main written (reported, no goal);
 * - warm: after one new commit on main, the next run's prepareCheckout (incremental fetch
 *   into the mirror, the spare taken and its changed files updated, start commit pushed):
 *   what a run pays when the previous run of the repository has ended, `warmRuns` times;
 * - warm without a spare: after one more commit, a run that finds no spare (one taken by
 *   a run still going, or a repository's first run after a restart of the app): `clone
 *   --shared` from the mirror and every file written (reported, no goal);
 * - floor: after the same commit as warm, `git worktree add` from an up-to-date local
 *   mirror, the least a checkout that writes the whole work tree can cost (no network, no
 *   push); a warm run with a spare writes far fewer files, so it may beat it;
 * - disk: what a warm run's checkout (.git and work tree) takes, against its work tree alone;
 *   and, reported, the mirror and its spare.
 *
 * Everything lives in one temp directory: in memory (/dev/shm) when it has room, unless
 * HAMSTER_BENCH_TMPDIR names another place. On this project's VMs the ext4 disk makes file
 * creation erratic (after many deletions, by this benchmark or anyone, it scans past
 * recently freed inodes for minutes), so one checkout of the same tree took 1 s or 13 s;
 * in memory the figures measure git's work. Before each timed step dirty pages are
 * flushed (`sync`, not timed), and nothing is deleted until the end, so no step pays for
 * another's writes or cleanup. (In a quiet moment the disk gave the same figures.)
 *
 * Localhost has no network cost, so a clone here costs only its CPU and disk: on a real
 * network it costs more, a warm run hardly more (it transfers one commit). And the
 * generated history's blobs are stored whole, with no deltas to resolve, which also
 * makes this clone cheaper than one of a real repository of the same size.
 */

export interface WarmWorkspaceOptions {
  readonly repo: Omit<GenerateRepoOptions, "dir">;
  /** Warm runs and floor checkouts, each after a new commit; medians are reported. */
  readonly warmRuns?: number;
  /** Parent of the temp directory; see findBenchTempParent by default. */
  readonly tempParent?: string;
}

export interface WarmWorkspaceResult {
  /** The temp directory everything lived in. */
  readonly storage: string;
  readonly repo: Omit<GeneratedRepo, "dir"> & { readonly generateMs: number };
  readonly cloneMs: number;
  readonly coldMs: number;
  readonly withoutMirrorMs: number;
  /** Warm runs that took the spare made after the previous run. */
  readonly warmMs: readonly number[];
  /** Warm runs that found no spare: the mirror only. */
  readonly withoutSpareMs: readonly number[];
  /** refillSpare before each warm run, as after a run ends (in the background in the app). */
  readonly spareMs: readonly number[];
  readonly floorMs: readonly number[];
  readonly warmMedianMs: number;
  readonly withoutSpareMedianMs: number;
  readonly spareMedianMs: number;
  readonly floorMedianMs: number;
  readonly disk: {
    /** A warm run's checkout: work tree and .git. */
    readonly checkoutBytes: number;
    /** The same checkout without .git. */
    readonly worktreeBytes: number;
    readonly gitDirBytes: number;
    /** A plain `git clone`: work tree and all history. */
    readonly cloneBytes: number;
    /** The checkout prepareCheckout makes without a mirror. */
    readonly withoutMirrorBytes: number;
    readonly mirrorBytes: number;
    /** The mirror's spare checkout: what a repository costs beside its mirror between runs. */
    readonly spareBytes: number;
  };
}

/**
 * Shaped like a large real repository: 30,000 files (about 90 MB, 150 MB on disk) and a
 * 175 MB pack. Generation takes about 15 s, the whole benchmark about a minute on two cores.
 */
export const LARGE_REPO: WarmWorkspaceOptions["repo"] = { files: 30_000, commits: 10_000, changesPerCommit: 6, meanFileBytes: 3_000 };

const TOKEN = "ghs_WarmWorkspaceBenchToken0123456789";
const AUTHOR = { name: "Hamster Bench", email: "bench@example.test" };

export async function runWarmWorkspaceBenchmark(options: WarmWorkspaceOptions = { repo: LARGE_REPO }): Promise<WarmWorkspaceResult> {
  const warmRuns = options.warmRuns ?? 5;
  const root = await mkdtemp(path.join(options.tempParent ?? (await findBenchTempParent()), "hamster-bench-warm-"));
  const server = await startGitHttpServer({ root: path.join(root, "remote"), requireToken: TOKEN, requestTimeoutMs: 30 * 60_000 });
  try {
    const generateStarted = performance.now();
    const { dir: remoteDir, ...repo } = await generateRepo({ ...options.repo, dir: path.join(root, "remote", "repo.git") });
    const generateMs = Math.round(performance.now() - generateStarted);
    const url = server.url("repo.git");
    const mirrorsDir = path.join(root, "mirrors");
    const workspaces = path.join(root, "workspaces");
    await mkdir(workspaces, { recursive: true });
    let runNumber = 0;
    const prepareRun = (mirrored: boolean) => {
      runNumber += 1;
      const dir = path.join(workspaces, `run-${runNumber}`);
      return {
        dir,
        prepare: () =>
          prepareCheckout({
            dir,
            remoteUrl: url,
            token: TOKEN,
            baseBranch: "main",
            workBranch: `hamster/${runNumber}-bench-run`,
            startMessage: `Start: bench run ${runNumber}`,
            author: AUTHOR,
            ...(mirrored ? { mirrorsDir } : {}),
          }),
      };
    };

    // Baseline first, while the remote has only main, as a fresh repository would.
    const cloneDir = path.join(root, "clone");
    const cloneMs = await timeStep(() =>
      runGeneratorGit(["clone", "--quiet", "--end-of-options", url, cloneDir], root, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: ${buildAuthorizationHeader(TOKEN)}`,
      }),
    );
    const cloneBytes = await getDiskUsage(cloneDir);

    const cold = prepareRun(true);
    const coldMs = await timeStep(cold.prepare);

    const today = prepareRun(false);
    const withoutMirrorMs = await timeStep(today.prepare);
    const withoutMirrorBytes = await getDiskUsage(today.dir);

    // The floor's own local mirror: a bare copy of ours, hard-linked, so creating it is free.
    const mirrorDir = renderMirrorDir(mirrorsDir, url);
    const floorMirror = path.join(root, "floor.git");
    await runGeneratorGit(["clone", "--quiet", "--bare", "--local", "--end-of-options", mirrorDir, floorMirror]);

    const spareDir = renderSpareDir(mirrorDir);
    const warmMs: number[] = [];
    const withoutSpareMs: number[] = [];
    const spareMs: number[] = [];
    const floorMs: number[] = [];
    let disk: Pick<WarmWorkspaceResult["disk"], "checkoutBytes" | "worktreeBytes" | "gitDirBytes"> | undefined;
    for (let index = 0; index < warmRuns; index += 1) {
      // What the app does once the previous run has ended.
      spareMs.push(await timeStep(() => requireSpare(refillSpare({ mirrorsDir, remoteUrl: url, branch: "main" }))));
      await appendCommit(remoteDir, "main", { [`docs/change-${index}.md`]: `# Change ${index}\n\nOne more commit on main.\n` }, `Change for warm run ${index}`);
      // The floor's mirror gets the commit too (not timed): its checkout starts up to date.
      await runGeneratorGit(["--git-dir", floorMirror, "fetch", "--quiet", "--end-of-options", remoteDir, "+refs/heads/main:refs/heads/main"]);

      const warm = prepareRun(true);
      const floorDir = path.join(root, "floor", `worktree-${index}`);
      const floor = () => runGeneratorGit(["--git-dir", floorMirror, "worktree", "add", "--quiet", "-b", `floor-${index}`, "--end-of-options", floorDir, "main"]);
      // Alternate which goes first, so neither always runs on a cooler or warmer cache.
      if (index % 2 === 0) {
        warmMs.push(await timeStep(warm.prepare));
        floorMs.push(await timeStep(floor));
      } else {
        floorMs.push(await timeStep(floor));
        warmMs.push(await timeStep(warm.prepare));
      }
      if (await stat(spareDir).catch(() => null)) throw new Error("The warm run did not take the spare checkout.");
      if (disk === undefined) {
        const worktreeBytes = await getDiskUsage(warm.dir, { skip: [".git"] });
        const gitDirBytes = await getDiskUsage(path.join(warm.dir, ".git"));
        disk = { checkoutBytes: await getDiskUsage(warm.dir), worktreeBytes, gitDirBytes };
      }

      // One more commit, and a run that finds no spare: the one above took it.
      await appendCommit(remoteDir, "main", { [`docs/other-${index}.md`]: `# Other ${index}\n` }, `Other change ${index}`);
      withoutSpareMs.push(await timeStep(prepareRun(true).prepare));
    }
    await requireSpare(refillSpare({ mirrorsDir, remoteUrl: url, branch: "main" }));

    return {
      storage: root,
      repo: { ...repo, generateMs },
      cloneMs,
      coldMs,
      withoutMirrorMs,
      warmMs,
      withoutSpareMs,
      spareMs,
      floorMs,
      warmMedianMs: median(warmMs),
      withoutSpareMedianMs: median(withoutSpareMs),
      spareMedianMs: median(spareMs),
      floorMedianMs: median(floorMs),
      disk: { ...disk!, cloneBytes, withoutMirrorBytes, mirrorBytes: await getDiskUsage(mirrorDir), spareBytes: await getDiskUsage(spareDir) },
    };
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}

export const WARM_VS_CLONE_GOAL = 0.1;
export const WARM_VS_FLOOR_GOAL = 1.5;
export const DISK_VS_WORKTREE_GOAL = 1.1;

export function warmWorkspaceFigures(result: WarmWorkspaceResult): BenchmarkFigure[] {
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const warmVsClone = result.warmMedianMs / result.cloneMs;
  const warmVsFloor = result.warmMedianMs / result.floorMedianMs;
  const diskRatio = result.disk.checkoutBytes / result.disk.worktreeBytes;
  return [
    {
      figure: "cold first run vs git clone (ms)",
      ours: result.coldMs,
      baseline: result.cloneMs,
      ratio: result.coldMs / result.cloneMs,
      goal: "≈ 1 (no goal)",
      pass: null,
      unit: "count",
    },
    {
      figure: "warm run vs git clone (ms)",
      ours: result.warmMedianMs,
      baseline: result.cloneMs,
      ratio: warmVsClone,
      goal: `ratio ≤ ${WARM_VS_CLONE_GOAL} (≥ ${1 / WARM_VS_CLONE_GOAL}× faster)`,
      pass: warmVsClone <= WARM_VS_CLONE_GOAL,
      unit: "count",
    },
    {
      figure: "warm run vs git worktree add from a local mirror (ms)",
      ours: result.warmMedianMs,
      baseline: result.floorMedianMs,
      ratio: warmVsFloor,
      goal: `ratio ≤ ${WARM_VS_FLOOR_GOAL}`,
      pass: warmVsFloor <= WARM_VS_FLOOR_GOAL,
      unit: "count",
    },
    {
      // What a checkout that writes the whole tree costs at least: it bounds a warm run without a spare.
      figure: "floor (git worktree add) vs git clone (ms)",
      ours: result.floorMedianMs,
      baseline: result.cloneMs,
      ratio: result.floorMedianMs / result.cloneMs,
      goal: "— (bounds a run without a spare)",
      pass: null,
      unit: "count",
    },
    {
      figure: "warm run without a spare (mirror only) vs git clone (ms)",
      ours: result.withoutSpareMedianMs,
      baseline: result.cloneMs,
      ratio: result.withoutSpareMedianMs / result.cloneMs,
      goal: "— (no spare ready)",
      pass: null,
      unit: "count",
    },
    {
      // Paid after a run has ended, off any run's path; a clone writes the same files.
      figure: "spare checkout made after a run (background, ms)",
      ours: result.spareMedianMs,
      baseline: result.cloneMs,
      ratio: result.spareMedianMs / result.cloneMs,
      goal: "— (background)",
      pass: null,
      unit: "count",
    },
    {
      figure: "warm run vs prepareCheckout without a mirror (ms)",
      ours: result.warmMedianMs,
      baseline: result.withoutMirrorMs,
      ratio: result.warmMedianMs / result.withoutMirrorMs,
      goal: "—",
      pass: null,
      unit: "count",
    },
    {
      figure: "disk per extra run vs its work tree alone (MiB)",
      ours: mib(result.disk.checkoutBytes),
      baseline: mib(result.disk.worktreeBytes),
      ratio: diskRatio,
      goal: `ratio ≤ ${DISK_VS_WORKTREE_GOAL}`,
      pass: diskRatio <= DISK_VS_WORKTREE_GOAL,
      unit: "count",
    },
  ];
}

/** Free memory-backed space needed to run in /dev/shm: the large repository's files come to about 2.5 GB. */
const MEMORY_DIR_MIN_FREE_BYTES = 4 * 1024 ** 3;

/** HAMSTER_BENCH_TMPDIR, else /dev/shm when it has 4 GiB free, else the system's temp directory. */
export async function findBenchTempParent(): Promise<string> {
  const chosen = process.env.HAMSTER_BENCH_TMPDIR;
  if (chosen !== undefined && chosen !== "") return chosen;
  const memory = await statfs("/dev/shm").catch(() => null);
  if (memory !== null && memory.bavail * memory.bsize >= MEMORY_DIR_MIN_FREE_BYTES) return "/dev/shm";
  return tmpdir();
}

/** Fails the benchmark unless refillSpare made a spare: the warm figure would not be what it says. */
async function requireSpare(refill: ReturnType<typeof refillSpare>): Promise<void> {
  const result = await refill;
  if (result.outcome === "failed") throw result.error;
  if (result.outcome !== "made") throw new Error(`refillSpare did not make a spare: ${JSON.stringify(result)}`);
}

/** Flushes dirty pages (not timed), then times `step` in whole milliseconds. */
async function timeStep(step: () => Promise<unknown>): Promise<number> {
  await execFileAsync("sync").catch(() => undefined);
  const started = performance.now();
  await step();
  return Math.round(performance.now() - started);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
