import { z } from "zod";

/**
 * The claims of a GitHub Actions OIDC token that Hamster reads. GitHub sends identifiers
 * (run_id, run_attempt, repository_id) as strings; they stay strings here and are compared
 * as such. Every other claim of the token is dropped at this edge.
 */
const ActionsTokenClaimsSchema = z.object({
  repository: z.string().min(1),
  repository_id: z.string().min(1).optional(),
  run_id: z.string().min(1),
  run_attempt: z.string().min(1).optional(),
  workflow_ref: z.string().min(1),
  job_workflow_ref: z.string().min(1),
  ref: z.string().min(1).optional(),
  // Without a token id a replay could not be told from the first use: such a token is refused.
  jti: z.string().min(1),
  exp: z.number(),
  actor: z.string().optional(),
  event_name: z.string().optional(),
});

export type ActionsTokenClaims = z.infer<typeof ActionsTokenClaimsSchema>;

/** The claims of a verified token, or the names of the claims that are missing or malformed. */
export function parseActionsTokenClaims(payload: unknown): { ok: true; claims: ActionsTokenClaims } | { ok: false; problems: string[] } {
  const parsed = ActionsTokenClaimsSchema.safeParse(payload);
  if (parsed.success) return { ok: true, claims: parsed.data };
  const problems = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".") || "(the payload)"))];
  return { ok: false, problems };
}
