import { createHash } from "node:crypto";
import { join } from "node:path";

/** Longest readable part of a mirror's name; the hash before it keeps names unique. */
const MAX_READABLE_LENGTH = 64;

/** A mirror's directory name ends with this; anything else in the mirrors directory is not a mirror. */
export const MIRROR_SUFFIX = ".git";

/**
 * The directory name of a remote's mirror: 16 hex digits of the SHA-256 of the URL, then
 * the host and path made safe, e.g. `3f0c…-github.com-octo-hello.git` for
 * `https://github.com/octo/hello.git`. The hash decides identity; the rest is for people.
 */
export function renderMirrorName(remoteUrl: string): string {
  const url = new URL(remoteUrl);
  const hash = createHash("sha256").update(url.href).digest("hex").slice(0, 16);
  const readable = `${url.host}${url.pathname}`
    .toLowerCase()
    .replace(/\.git\/?$/, "")
    .replace(/[^a-z0-9._]+/g, "-")
    .slice(-MAX_READABLE_LENGTH)
    .replace(/^[-.]+|[-.]+$/g, "");
  return `${hash}${readable === "" ? "" : `-${readable}`}${MIRROR_SUFFIX}`;
}

/** `<mirrorsDir>/<renderMirrorName(remoteUrl)>`. */
export function renderMirrorDir(mirrorsDir: string, remoteUrl: string): string {
  return join(mirrorsDir, renderMirrorName(remoteUrl));
}

/** A mirror's spare checkout is named after it with this added, so it never ends in MIRROR_SUFFIX. */
export const SPARE_SUFFIX = ".spare";

/** `<mirrorDir>.spare`: the mirror's one ready checkout, next to it in the mirrors directory. */
export function renderSpareDir(mirrorDir: string): string {
  return `${mirrorDir}${SPARE_SUFFIX}`;
}
