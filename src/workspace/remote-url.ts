import { WorkspaceError } from "./workspace-error.js";

/**
 * Schemes a remote may use. Others (`ext::`, `fd::`, ssh with its command options) can
 * make git run programs, and none of them is a repository's clone_url.
 */
const ALLOWED_PROTOCOLS = new Set(["https:", "http:", "file:"]);

/**
 * Checks a remote URL before it reaches git: a known scheme and no credentials in it,
 * since credentials in a URL end up in `.git/config`, in git's messages and in argv.
 * Returns the URL unchanged.
 */
export function parseRemoteUrl(remoteUrl: string): string {
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    throw new WorkspaceError("clone_failed", `The repository URL "${describeBadUrl(remoteUrl)}" is not a valid URL.`);
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) {
    throw new WorkspaceError(
      "clone_failed",
      `The repository URL uses "${url.protocol}", which Hamster does not clone from; use the repository's https clone URL.`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new WorkspaceError(
      "clone_failed",
      `The repository URL ${renderSafeUrl(url)} contains credentials; pass the URL without them (Hamster sends the installation token separately).`,
    );
  }
  return remoteUrl;
}

/** A URL without any user name or password, for messages. */
export function renderSafeUrl(url: URL | string): string {
  const parsed = typeof url === "string" ? new URL(url) : new URL(url.href);
  parsed.username = "";
  parsed.password = "";
  return parsed.href;
}

function describeBadUrl(text: string): string {
  // An unparseable URL could still carry "user:secret@"; show only what precedes it.
  const at = text.lastIndexOf("@");
  const shown = at === -1 ? text : `…${text.slice(at)}`;
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}
