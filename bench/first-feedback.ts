import {
  BenchOctokit,
  goalFigure,
  infoFigure,
  labeledPayload,
  median,
  postDelivery,
  round,
  SENDER,
  signDelivery,
  within,
  withBenchSetup,
  withHamster,
} from "./lib/app-harness.js";
import type { FakeGitHubCall, FakeGitHubServer } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./lib/figure.js";

/**
 * First feedback: from sending one signed `issues.labeled` webhook (over HTTP, to the real
 * app) to what the user sees first — the 👀 reaction, the status comment, the first check
 * run — timed by when the fake GitHub received each request (same process, same clock).
 * Also the API calls the app made up to the status comment.
 *
 * Twice: the first delivery after the app started (cold: no installation token yet), then,
 * after that run has delivered, a second one on another issue (warm).
 *
 * The baseline is one round trip to the fake GitHub with the same Octokit (median of
 * several), so a ratio says how many round trips' worth of time the feedback took.
 */

export const FIRST_FEEDBACK_GOAL_MS = 1_000;

export interface FeedbackTimes {
  readonly issue: number;
  /** The webhook's HTTP response. */
  readonly ackMs: number;
  readonly reactionMs: number;
  readonly statusCommentMs: number;
  readonly checkRunMs: number;
  /** Calls to the fake GitHub from sending the webhook up to and including the status comment. */
  readonly callsToStatusComment: number;
  readonly calls: readonly { endpoint: string; status: number; atMs: number }[];
  readonly runState: string;
}

export interface FirstFeedbackResult {
  readonly roundTripMs: number;
  readonly cold: FeedbackTimes;
  readonly warm: FeedbackTimes;
  readonly errorsLogged: number;
}

const REACTION = "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions";
const COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
const CHECK_RUN = "POST /repos/{owner}/{repo}/check-runs";

export async function runFirstFeedbackBenchmark(options: { timeoutMs?: number } = {}): Promise<FirstFeedbackResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return withBenchSetup({ prefix: "feedback" }, (setup) => {
    const { github } = setup;
    const repo = setup.area.repos[0]!;
    return withHamster(setup, { writeMinTimeMs: 0 }, async (app) => {
      const roundTripMs = await measureRoundTrip(github);
      const once = async (issue: number): Promise<FeedbackTimes> => {
        const delivery = signDelivery(`feedback-${issue}`, "issues", labeledPayload(repo, issue));
        const response = await postDelivery(app.server.url, delivery);
        const t0 = response.sentAt;
        const after = (endpoint: string) => (c: FakeGitHubCall) => c.endpoint === endpoint && c.at >= t0;
        const [reaction, comment, check] = await Promise.all([
          github.waitForCall(after(REACTION), timeoutMs),
          github.waitForCall(after(COMMENT), timeoutMs),
          github.waitForCall(after(CHECK_RUN), timeoutMs),
        ]);
        await within(app.hamster.idle(), timeoutMs);
        const upToComment = github.calls.filter((c) => c.at >= t0 && c.at <= comment.at);
        return {
          issue,
          ackMs: round(response.ms),
          reactionMs: round(reaction.at - t0),
          statusCommentMs: round(comment.at - t0),
          checkRunMs: round(check.at - t0),
          callsToStatusComment: upToComment.length,
          calls: github.calls.filter((c) => c.at >= t0 && c.at <= check.at).map((c) => ({ endpoint: c.endpoint, status: c.status, atMs: round(c.at - t0) })),
          runState: stateOf(app.hamster.runs.listRunsForTask(repo.id, issue)),
        };
      };
      const cold = await once(1);
      const warm = await once(2);
      return { roundTripMs, cold, warm, errorsLogged: app.log.errors() };
    });
  });
}

function stateOf(runs: readonly { state: string }[]): string {
  return runs.map((r) => r.state).join(",") || "(no run)";
}

/** The median time of a GET to the fake GitHub with the app's kind of Octokit, after a warm-up. */
async function measureRoundTrip(github: FakeGitHubServer, samples = 21): Promise<number> {
  const octokit = new BenchOctokit({ baseUrl: `${github.url}/api/v3`, auth: { token: "bench-round-trip" } });
  const once = async () => {
    const started = performance.now();
    await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner: "round", repo: "trip", username: SENDER });
    return performance.now() - started;
  };
  for (let i = 0; i < 5; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await once());
  return round(median(times), 3);
}

export function firstFeedbackFigures(result: FirstFeedbackResult): BenchmarkFigure[] {
  const rtt = result.roundTripMs;
  const timed = (figure: string, ms: number): BenchmarkFigure => goalFigure(figure, ms, rtt, `< ${FIRST_FEEDBACK_GOAL_MS} ms`, ms < FIRST_FEEDBACK_GOAL_MS);
  const rows = (label: string, t: FeedbackTimes): BenchmarkFigure[] => [
    timed(`👀 reaction (ms, ${label})`, t.reactionMs),
    timed(`status comment (ms, ${label})`, t.statusCommentMs),
    timed(`first check run (ms, ${label})`, t.checkRunMs),
    // Baseline: the two writes the first feedback consists of (👀 and the comment).
    infoFigure(`API calls up to the status comment (${label})`, t.callsToStatusComment, 2),
  ];
  return [
    ...rows("cold", result.cold),
    ...rows("warm", result.warm),
    infoFigure("webhook answered (ms, cold)", result.cold.ackMs, rtt),
  ];
}
