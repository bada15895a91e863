import type { ReviewThreadRef, Run } from "../domain/run.js";
import { inlineCode } from "./format.js";
import { truncateForGitHub } from "./limits.js";

const MAX_SUMMARY_CHARS = 2_000;

/** The commit a run delivered, as the pull request shows it. */
export function renderCommitLink(run: Run, sha: string): string {
  const url = run.prNumber ? `${run.request.repo.htmlUrl}/pull/${run.prNumber}/commits/${sha}` : `${run.request.repo.htmlUrl}/commit/${sha}`;
  return `[\`${sha.slice(0, 7)}\`](${url})`;
}

/**
 * Hamster's reply in a review thread its follow-up addressed: whether the run changed the
 * thread's file, the commit, and what the run did. Resolving the thread is the reviewer's call.
 */
export function renderThreadReply(input: { run: Run; thread: ReviewThreadRef; files: readonly string[]; headSha: string }): string {
  const { run, thread } = input;
  const commit = renderCommitLink(run, input.headSha);
  const changed = input.files.includes(thread.path);
  const lead = changed
    ? `🐹 Hamster changed ${inlineCode(thread.path)} for this in ${commit} (run #${run.id}).`
    : `🐹 Hamster run #${run.id} (${commit}) did not change ${inlineCode(thread.path)} itself; what it did is below.`;
  const summary = run.summary?.trim() ?? "";
  const what = summary === "" ? [] : [`What the run did:\n\n${summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS)}…` : summary}`];
  return truncateForGitHub([lead, ...what, "Resolve this thread if that settles it, or reply and ask again."].join("\n\n"));
}
