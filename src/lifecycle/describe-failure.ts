import { AgentError } from "../agent/provider.js";
import { RunFailure } from "../domain/run-failure.js";
import { findNetworkFailure, renderNetworkFailure } from "./network-failure.js";

/**
 * Turns any error into a reason a user can act on. Known errors carry such a message
 * already; anything else is an app fault, said as such, without internals.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof RunFailure || error instanceof AgentError) return error.message;
  if (error instanceof Error && error.name === "WorkspaceError") return error.message;
  // Octokit calls a request that got no answer HTTP 500: say what could not be reached instead.
  const network = findNetworkFailure(error);
  if (network) return renderNetworkFailure(network);
  const status = typeof error === "object" && error !== null && "status" in error ? (error as { status: unknown }).status : undefined;
  if (typeof status === "number") {
    return `GitHub answered HTTP ${status} to a request the app made (${(error as Error).message}). Check the app's permissions on this repository, then retry.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Hamster hit an unexpected error: ${message}. Retry; if it happens again, the app's logs have the details.`;
}
