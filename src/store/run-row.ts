import type { Run, RunConclusion, RunReport, RunRequest, TriggerKind, Verification } from "../domain/run.js";
import { parseRunState } from "../domain/run-state.js";
import { mapStrings } from "../security/map-strings.js";

/** A `runs` row as SQLite returns it: JSON columns as text, usage as plain numbers. */
export interface RunRow {
  id: number;
  installation_id: number;
  repo_id: number;
  repo_owner: string;
  repo_name: string;
  issue_number: number;
  state: string;
  trigger: string;
  requested_by: string;
  delivery_id: string | null;
  request: string;
  work_branch: string | null;
  pr_number: number | null;
  pr_node_id: string | null;
  check_run_id: number | null;
  status_comment_id: number | null;
  head_sha: string | null;
  reason: string | null;
  summary: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  usage_reported: number;
  turns: number;
  plan: string | null;
  verification: string | null;
  report: string | null;
  brief_source: string | null;
  notes: string | null;
  conclusion: string | null;
  progress: string | null;
  heartbeat_at: string | null;
  resume_count: number;
  follow_up_of: number | null;
  cancelled_by: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** Turns values into column values, redacting free text so no secret reaches the database file. */
export interface RunColumnEncoder {
  /** A free-text column's value, redacted; null stays null (COALESCE keeps the old value). */
  text(value: string | null | undefined): string | null;
  /** A JSON column's value, the strings inside it redacted before serialising (the JSON stays valid). */
  json(value: unknown): string | null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Without `redact`, values are stored as given. */
export function createColumnEncoder(redact?: (text: string) => string): RunColumnEncoder {
  return {
    text: (value) => (value === undefined || value === null ? null : redact ? redact(value) : value),
    json: (value) => toJson(redact && value !== undefined ? mapStrings(value, redact) : value),
  };
}

/** A usage_reported of 0 means the agent did not report its usage: usage and cost are then unknown (null), not zero. */
function parseUsage(row: RunRow): Pick<Run, "usage" | "costUsd"> {
  if (row.usage_reported === 0) return { usage: null, costUsd: null };
  return {
    usage: {
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
    },
    costUsd: row.cost_usd,
  };
}

export function parseRunRow(row: RunRow): Run {
  const { usage, costUsd } = parseUsage(row);
  return {
    id: row.id,
    installationId: row.installation_id,
    repoId: row.repo_id,
    repoOwner: row.repo_owner,
    repoName: row.repo_name,
    issueNumber: row.issue_number,
    state: parseRunState(row.state),
    trigger: row.trigger as TriggerKind,
    requestedBy: row.requested_by,
    deliveryId: row.delivery_id,
    request: JSON.parse(row.request) as RunRequest,
    workBranch: row.work_branch,
    prNumber: row.pr_number,
    prNodeId: row.pr_node_id,
    checkRunId: row.check_run_id,
    statusCommentId: row.status_comment_id,
    headSha: row.head_sha,
    reason: row.reason,
    summary: row.summary,
    usage,
    costUsd,
    turns: row.turns,
    plan: parseJson<string[]>(row.plan),
    verification: parseJson<Verification>(row.verification),
    report: parseJson<RunReport>(row.report),
    briefSource: row.brief_source,
    notes: parseJson<string[]>(row.notes) ?? [],
    conclusion: row.conclusion as RunConclusion | null,
    progress: row.progress,
    heartbeatAt: row.heartbeat_at,
    resumeCount: row.resume_count,
    followUpOf: row.follow_up_of,
    cancelledBy: row.cancelled_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
