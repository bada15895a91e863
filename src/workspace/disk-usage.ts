import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Bytes `dir` takes on disk, like `du -s`: allocated blocks, each hard-linked file once,
 * symbolic links not followed. Entries that vanish while it counts are skipped. `skip`
 * leaves out entries (relative to `dir`) and everything under them, e.g. `.git`.
 */
export async function getDiskUsage(dir: string, options: { skip?: readonly string[] } = {}): Promise<number> {
  const seen = new Set<string>();
  const skip = new Set((options.skip ?? []).map((entry) => join(dir, entry)));
  let total = 0;
  const visit = async (path: string): Promise<void> => {
    if (skip.has(path)) return;
    const stats = await lstat(path).catch(() => null);
    if (stats === null) return;
    const inode = `${stats.dev}:${stats.ino}`;
    if (seen.has(inode)) return;
    seen.add(inode);
    total += stats.blocks * 512;
    if (!stats.isDirectory()) return;
    const names = await readdir(path).catch(() => [] as string[]);
    // A few at a time: fast on large trees without opening thousands of handles at once.
    for (let start = 0; start < names.length; start += 64) {
      await Promise.all(names.slice(start, start + 64).map((name) => visit(join(path, name))));
    }
  };
  await visit(dir);
  return total;
}
