import { randomBytes } from "node:crypto";
import type { RunCredentials } from "../../src/executors/process/run-credentials.js";

/** Run credentials in memory, as the store keeps them (one live credential per run), for tests. */
export function createFakeRunCredentials(): RunCredentials & { readonly issued: string[] } {
  const live = new Map<string, { runId: number; attempt: number }>();
  const issued: string[] = [];
  return {
    issued,
    issue(runId, attempt) {
      for (const [token, claim] of live) if (claim.runId === runId) live.delete(token);
      const token = `hmr_test_${randomBytes(16).toString("base64url")}`;
      live.set(token, { runId, attempt });
      issued.push(token);
      return token;
    },
    verify: (token) => live.get(token) ?? null,
    revoke(runId) {
      for (const [token, claim] of live) if (claim.runId === runId) live.delete(token);
    },
  };
}
