import { lstat, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { getDiskUsage } from "./disk-usage.js";
import { discardMirror, discardMirrorDir, LAST_USED_FILE } from "./ensure-mirror.js";
import { mirrorLeases, mirrorLock } from "./mirror-lock.js";
import { MIRROR_SUFFIX, SPARE_SUFFIX } from "./mirror-name.js";

/** A `.creating-…` directory older than this was left by a crash, not by a creation in progress. */
const STALE_CREATION_MS = 60 * 60_000;

/** Larger alternates files are not ones git wrote; they are not read. */
const MAX_ALTERNATES_BYTES = 64 * 1024;

export interface PruneMirrorsOptions {
  /** `<dataDir>/mirrors`. */
  mirrorsDir: string;
  /** Mirrors no run has used for longer than this are removed. */
  maxAgeMs: number;
  /** Then the least recently used are removed until the rest take at most this many bytes. */
  maxTotalBytes: number;
  /** The clock, for tests; now by default. */
  now?: Date | number;
  /**
   * Where run checkouts live (`<dataDir>/workspaces`, one directory per run). A mirror
   * that a checkout there borrows objects from is never removed, whatever its age or size:
   * the checkout would lose its history. Without it only in-process use protects a mirror.
   */
  checkoutsDir?: string;
}

export interface RemovedMirror {
  dir: string;
  /** Bytes it took on disk (its spare checkout not counted). */
  bytes: number;
  lastUsedAt: Date;
  reason: "age" | "size";
}

export interface PrunedMirrors {
  /** Least recently used first. */
  removed: RemovedMirror[];
  /** Bytes the remaining mirrors take. */
  keptBytes: number;
}

/**
 * Removes mirrors not used for `maxAgeMs`, then the least recently used ones while all
 * together take more than `maxTotalBytes`. Never removes a mirror a run is using (leased,
 * locked, or borrowed from by a checkout in `checkoutsDir`), so the byte budget can be
 * exceeded while runs need more. A mirror's spare checkout goes with it; it is no run's
 * checkout, so it never keeps its mirror, and it is not counted in `maxTotalBytes`
 * (measuring a checkout of a large tree on every prune would cost more than it tells).
 * Also clears what interrupted creations and deletions left, and spares whose mirror is gone.
 */
export async function pruneMirrors(o: PruneMirrorsOptions): Promise<PrunedMirrors> {
  const mirrorsDir = resolve(o.mirrorsDir);
  const now = o.now === undefined ? Date.now() : Number(o.now);
  const entries = await readdir(mirrorsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  await removeLeftovers(mirrorsDir, names);
  await removeOrphanSpares(mirrorsDir, names);

  const mirrors: Array<{ dir: string; bytes: number; lastUsedAt: number }> = [];
  for (const name of names) {
    if (name.startsWith(".") || !name.endsWith(MIRROR_SUFFIX)) continue;
    const dir = join(mirrorsDir, name);
    mirrors.push({ dir, bytes: await getDiskUsage(dir), lastUsedAt: await readLastUsed(dir) });
  }
  mirrors.sort((a, b) => a.lastUsedAt - b.lastUsedAt);

  const borrowed = await findBorrowedMirrors(o.checkoutsDir);
  const inUse = async (dir: string) => mirrorLeases.isLeased(dir) || mirrorLock.isLocked(dir) || borrowed.has(await realpath(dir).catch(() => dir));
  let keptBytes = mirrors.reduce((sum, mirror) => sum + mirror.bytes, 0);
  const removed: RemovedMirror[] = [];
  for (const mirror of mirrors) {
    const reason = now - mirror.lastUsedAt > o.maxAgeMs ? "age" : keptBytes > o.maxTotalBytes ? "size" : null;
    if (reason === null || (await inUse(mirror.dir))) continue;
    const gone = await mirrorLock.withLock(mirror.dir, async () => {
      // Looked at again under the lock: a run may have taken or used it since the scan.
      const stillBorrowed = (await findBorrowedMirrors(o.checkoutsDir)).has(await realpath(mirror.dir).catch(() => mirror.dir));
      if (mirrorLeases.isLeased(mirror.dir) || stillBorrowed || (await readLastUsed(mirror.dir)) !== mirror.lastUsedAt) return false;
      await discardMirror(mirror.dir);
      return true;
    });
    if (!gone) continue;
    keptBytes -= mirror.bytes;
    removed.push({ dir: mirror.dir, bytes: mirror.bytes, lastUsedAt: new Date(mirror.lastUsedAt), reason });
  }
  return { removed, keptBytes };
}

/** When a run last used the mirror: the mtime of its marker, else of the directory. */
async function readLastUsed(dir: string): Promise<number> {
  const marker = await stat(join(dir, LAST_USED_FILE)).catch(() => null);
  if (marker !== null) return marker.mtimeMs;
  return (await stat(dir).catch(() => null))?.mtimeMs ?? 0;
}

async function removeLeftovers(mirrorsDir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const path = join(mirrorsDir, name);
    const stale =
      name.startsWith(".deleting-") ||
      (name.startsWith(".creating-") && Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? 0) > STALE_CREATION_MS);
    if (stale) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Deletes spares whose mirror is gone (removed by hand, say): they borrow objects that
 * no longer exist.
 */
async function removeOrphanSpares(mirrorsDir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (name.startsWith(".") || !name.endsWith(SPARE_SUFFIX)) continue;
    const mirrorName = name.slice(0, -SPARE_SUFFIX.length);
    if (names.includes(mirrorName)) continue;
    const mirrorDir = join(mirrorsDir, mirrorName);
    await mirrorLock
      .withLock(mirrorDir, async () => {
        // Looked at again under the lock: a run may be creating the mirror, or refilling the spare.
        if (mirrorLeases.isLeased(mirrorDir) || (await stat(mirrorDir).catch(() => null))) return;
        await discardMirrorDir(join(mirrorsDir, name));
      })
      .catch(() => undefined);
  }
}

/**
 * The mirrors (real paths) that checkouts in `checkoutsDir` borrow objects from, read from
 * each `<checkout>/.git/objects/info/alternates`.
 */
async function findBorrowedMirrors(checkoutsDir: string | undefined): Promise<Set<string>> {
  const borrowed = new Set<string>();
  if (checkoutsDir === undefined) return borrowed;
  const checkouts = await readdir(checkoutsDir, { withFileTypes: true }).catch(() => []);
  for (const checkout of checkouts) {
    if (!checkout.isDirectory()) continue;
    const objectsDir = join(checkoutsDir, checkout.name, ".git", "objects");
    const file = join(objectsDir, "info", "alternates");
    const stats = await lstat(file).catch(() => null);
    if (stats === null || !stats.isFile() || stats.size > MAX_ALTERNATES_BYTES) continue;
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      const path = line.trim();
      if (path === "" || path.startsWith("#")) continue;
      // A relative entry is relative to the objects directory; the mirror is the parent of its objects.
      const mirror = dirname(resolve(objectsDir, path));
      borrowed.add(await realpath(mirror).catch(() => mirror));
    }
  }
  return borrowed;
}
