import type { Logger } from "probot";
import { ZERO_USAGE } from "../domain/usage.js";
import type { GatewayGrant, ModelGatewayDeps } from "../gateway/gateway-types.js";
import type { RunCredentialStore } from "../store/run-credentials.js";
import type { RunEventStore } from "../store/run-event-store.js";
import type { ActiveAttempts } from "./active-attempts.js";

/**
 * What the model gateway asks of the control plane: whose credential it is (only an attempt
 * executing here counts), the installation's key, what the run has spent (its event log),
 * and where to record each call (the attempt's own log, so the gateway is the meter).
 */
export function createGatewayAccess(deps: {
  credentials: RunCredentialStore;
  attempts: ActiveAttempts;
  events: RunEventStore;
  getProviderKey(installationId: number): string | undefined;
  upstreamBaseUrl: string;
  log: Logger;
}): ModelGatewayDeps {
  return {
    upstreamBaseUrl: deps.upstreamBaseUrl,
    authenticate(token) {
      const grant = deps.credentials.verifyRunCredential(token);
      const attempt = grant ? deps.attempts.find(grant.runId) : undefined;
      if (!grant || !attempt || attempt.attempt !== grant.attempt) return null;
      const { wallClockMs: _ignored, ...budgets } = attempt.budgets;
      return { runId: attempt.runId, attempt: attempt.attempt, installationId: attempt.installationId, budgets };
    },
    getProviderKey: (installationId) => deps.getProviderKey(installationId),
    getSpend(runId) {
      const totals = deps.events.getRunEventTotals(runId);
      return { turns: totals.modelCalls, usage: totals.usage ?? ZERO_USAGE, costUsd: totals.costUsd ?? 0 };
    },
    async recordCall(grant: GatewayGrant, call) {
      // An answered call is a turn; a refused or failed one (the SDK retries it) is only logged.
      if (call.status < 200 || call.status >= 300) {
        deps.log.info({ runId: grant.runId, status: call.status }, "model call failed at the model API");
        return;
      }
      const attempt = deps.attempts.find(grant.runId);
      if (!attempt || attempt.attempt !== grant.attempt) return;
      const turn = deps.events.getRunEventTotals(grant.runId).modelCalls + 1;
      await attempt.emit({
        kind: "model_call",
        turn,
        model: call.model,
        usage: call.usage,
        costUsd: call.costUsd,
        ...(call.stopReason ? { stopReason: call.stopReason } : {}),
        durationMs: call.durationMs,
      });
    },
    onError: (error) => deps.log.error({ err: error }, "the model gateway failed"),
  };
}
