import type { Logger } from "probot";
import type { ModelEndpoint } from "../agent/provider.js";
import { sharedRedactor } from "../security/redactor.js";
import type { RunCredentialStore } from "../store/run-credentials.js";
import type { ActiveAttempt, ActiveAttempts } from "./active-attempts.js";

/** How a run's attempt reaches the model: the gateway's address and the run credential it takes. */
export interface ModelAccess {
  readonly endpoint: ModelEndpoint;
  /** Revokes the credential and lets go of the attempt: the gateway refuses it from then on. */
  close(): void;
}

/** Where the gateway is, under the app's public address. */
export const MODEL_GATEWAY_PATH = "/api/hamster/model";

/**
 * Issues the attempt's run credential (valid at most `ttlMs`, revoked when the attempt ends)
 * and makes the attempt live for the gateway and the runner protocol.
 */
export function openModelAccess(
  deps: { credentials: RunCredentialStore; attempts: ActiveAttempts; publicUrl: string; log: Logger },
  attempt: ActiveAttempt,
  ttlMs: number,
): ModelAccess {
  const { token } = deps.credentials.issueRunCredential(attempt.runId, attempt.attempt, ttlMs);
  sharedRedactor.addSecret(token, { temporary: true });
  const unregister = deps.attempts.register(attempt);
  return {
    endpoint: { baseUrl: `${deps.publicUrl}${MODEL_GATEWAY_PATH}`, apiKey: token },
    close() {
      unregister();
      try {
        deps.credentials.revokeRunCredentials(attempt.runId);
      } catch (error) {
        deps.log.warn({ runId: attempt.runId, err: error }, "could not revoke the run credential");
      }
    },
  };
}
