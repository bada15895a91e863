import { html as renderDiffHtml, parse as parseDiff } from "diff2html";
import { ColorSchemeType, type DiffFile } from "diff2html/lib/types.js";
import type { RunDiff } from "../store/run-diff-store.js";
import type { ConsoleDeps } from "./console-deps.js";
import type { ConsoleContext, ConsoleRoute } from "./console-request.js";
import { defineView, revealBidiControls, sendPage, trustHtml, type TrustedHtml } from "./console-view.js";
import { renderRunPath } from "./run-page-view.js";
import { RUN_DIFF_TEMPLATE } from "./templates/run-diff.js";
import { findVisibleRun } from "./visible-run.js";

/** GET /hamster/runs/:id/diff?view=side|unified: the run's pushed work, file by file, drawn by diff2html. */

export type DiffView = "side" | "unified";

export function parseDiffView(value: string | null): DiffView {
  return value === "unified" ? "unified" : "side";
}

/** A file with more changed lines than this is named but not drawn: a browser would choke on it. */
const MAX_FILE_CHANGES = 5_000;

export interface DiffFileView {
  readonly anchor: string;
  readonly name: string;
  readonly status: string;
  readonly added: number;
  readonly deleted: number;
  /** diff2html's markup for the file: it escapes the file's text and names; bidirectional controls are shown here. */
  readonly html: TrustedHtml;
}

function describeFile(file: DiffFile): { name: string; status: string } {
  const name = file.isRename && file.oldName !== file.newName ? `${file.oldName} → ${file.newName}` : file.isDeleted ? file.oldName : file.newName;
  const status = file.isNew ? "added" : file.isDeleted ? "deleted" : file.isRename ? "renamed" : file.isBinary ? "binary" : "changed";
  return { name, status };
}

/** Each file of the patch as its own diff2html drawing, in the chosen view. */
export function renderDiffFiles(patch: string, view: DiffView): DiffFileView[] {
  const config = {
    outputFormat: view === "side" ? ("side-by-side" as const) : ("line-by-line" as const),
    drawFileList: false,
    diffMaxChanges: MAX_FILE_CHANGES,
    colorScheme: ColorSchemeType.AUTO,
  };
  return parseDiff(patch, config).map((file, index) => ({
    anchor: `file-${index + 1}`,
    ...describeFile(file),
    added: file.addedLines,
    deleted: file.deletedLines,
    html: trustHtml(revealBidiControls(renderDiffHtml([file], config))),
  }));
}

export interface RunDiffData {
  readonly runId: number;
  readonly runHref: string;
  readonly repo: string;
  readonly diff: boolean;
  readonly baseSha: string;
  readonly headSha: string;
  readonly truncated: boolean;
  readonly files: readonly DiffFileView[];
  readonly added: number;
  readonly deleted: number;
  readonly views: readonly { label: string; href: string; current: boolean }[];
}

const runDiffView = defineView<RunDiffData>("run-diff", RUN_DIFF_TEMPLATE);

export function buildRunDiffData(run: { id: number; repoOwner: string; repoName: string }, diff: RunDiff | undefined, view: DiffView): RunDiffData {
  const files = diff ? renderDiffFiles(diff.patch, view) : [];
  const href = `${renderRunPath(run.id)}/diff`;
  return {
    runId: run.id,
    runHref: renderRunPath(run.id),
    repo: `${run.repoOwner}/${run.repoName}`,
    diff: diff !== undefined,
    baseSha: diff?.baseSha.slice(0, 12) ?? "",
    headSha: diff?.headSha.slice(0, 12) ?? "",
    truncated: diff?.truncated ?? false,
    files,
    added: files.reduce((sum, file) => sum + file.added, 0),
    deleted: files.reduce((sum, file) => sum + file.deleted, 0),
    views: [
      { label: "side by side", href: `${href}?view=side`, current: view === "side" },
      { label: "unified", href: `${href}?view=unified`, current: view === "unified" },
    ],
  };
}

export function createRunDiffRoute(deps: Pick<ConsoleDeps, "runs" | "diffs">): ConsoleRoute {
  async function showDiff(ctx: ConsoleContext, _request: unknown, response: Parameters<ConsoleRoute["handle"]>[2], params: Record<string, string>): Promise<void> {
    const run = await findVisibleRun(deps.runs, ctx, params["id"]);
    const data = buildRunDiffData(run, deps.diffs.getRunDiff(run.id), parseDiffView(ctx.url.searchParams.get("view")));
    sendPage(response, ctx, { title: `Run #${run.id}: diff`, view: runDiffView, data, styles: ["diff2html.min.css", "run-page.css"] });
  }
  return { method: "GET", pattern: "/hamster/runs/:id/diff", handle: showDiff };
}
