import { redactToken } from "./git-auth.js";
import { renderSafeUrl } from "./remote-url.js";
import { GitCommandError } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

/**
 * A failed read from the remote (ls-remote, clone, fetch) as a `clone_failed` error that
 * says what to do: a refused or missing token is told apart from anything else.
 */
export function buildCloneFailure(error: unknown, remoteUrl: string, token: string | undefined): WorkspaceError {
  const output = error instanceof GitCommandError ? error.output : redactToken(String(error), token);
  const hasToken = token !== undefined && token !== "";
  const refused = /could not read (username|password)|authentication failed|returned error: 40[13]/i.test(output);
  const hint = !refused
    ? "Check that the repository URL is right and the git server is reachable, then retry."
    : hasToken
      ? "The server refused the installation token; check that the Hamster app is still installed on this repository and may read its contents."
      : "The server requires authentication but no access token was available; check that the Hamster app is installed on this repository.";
  return new WorkspaceError("clone_failed", `Hamster could not clone ${renderSafeUrl(remoteUrl)}: ${output || "git failed without a message"}. ${hint}`, {
    command: error instanceof GitCommandError ? error.command : "clone",
    gitOutput: output,
    cause: error instanceof GitCommandError ? error : undefined,
  });
}
