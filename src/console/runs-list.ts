import { ACTIVE_STATES, FINAL_STATES, isFinalState, type RunState } from "../domain/run-state.js";
import type { Run } from "../domain/run.js";
import { formatCost, formatDuration } from "../reporter/format.js";
import type { ConsoleDeps } from "./console-deps.js";
import { ConsoleNotFound, type ConsoleContext, type ConsoleRoute, type ReachableRepo } from "./console-request.js";
import { defineView, safeHref, sendMessage, sendPage } from "./console-view.js";
import { RUNS_LIST_TEMPLATE } from "./templates/runs-list.js";

/** GET /hamster/runs?installation=&repo=&state=&q=&before= : the runs of the repositories the user can reach, newest first. */

export const RUNS_PAGE_SIZE = 50;

const STATE_GROUPS: Readonly<Record<string, readonly RunState[]>> = {
  active: ACTIVE_STATES,
  finished: FINAL_STATES,
  ...Object.fromEntries([...ACTIVE_STATES, ...FINAL_STATES].map((state) => [state, [state]])),
};

export interface RunsFilter {
  readonly installationId?: number;
  readonly repoId?: number;
  readonly state?: string;
  readonly text?: string;
  readonly beforeId?: number;
}

/** The filters of the query string; undefined when one is malformed (an id that is not a number, an unknown state). */
export function parseRunsFilter(params: URLSearchParams): RunsFilter | undefined {
  const id = (name: string): number | undefined | null => {
    const value = params.get(name) ?? "";
    if (value === "") return undefined;
    return /^\d{1,15}$/.test(value) ? Number(value) : null;
  };
  const installationId = id("installation");
  const repoId = id("repo");
  const beforeId = id("before");
  const state = params.get("state") ?? "";
  if (installationId === null || repoId === null || beforeId === null) return undefined;
  if (state !== "" && !Object.hasOwn(STATE_GROUPS, state)) return undefined;
  const text = (params.get("q") ?? "").trim().slice(0, 200);
  return {
    ...(installationId !== undefined ? { installationId } : {}),
    ...(repoId !== undefined ? { repoId } : {}),
    ...(state !== "" ? { state } : {}),
    ...(text !== "" ? { text } : {}),
    ...(beforeId !== undefined ? { beforeId } : {}),
  };
}

export interface RunRow {
  readonly id: number;
  readonly href: string;
  readonly state: RunState;
  readonly repo: string;
  readonly repoHref: string | null;
  readonly issueNumber: number;
  readonly issueTitle: string;
  readonly issueHref: string | null;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly when: string;
  readonly duration: string;
  readonly cost: string;
}

/** "2024-05-01 12:34 UTC": the same for every reader, and what the `datetime` attribute states exactly. */
export function formatWhen(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function buildRunRow(run: Run, now: Date): RunRow {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : isFinalState(run.state) ? Date.parse(run.updatedAt) : now.getTime();
  return {
    id: run.id,
    href: `/hamster/runs/${run.id}`,
    state: run.state,
    repo: `${run.repoOwner}/${run.repoName}`,
    repoHref: safeHref(run.request.repo.htmlUrl),
    issueNumber: run.issueNumber,
    issueTitle: run.request.issue.title,
    issueHref: safeHref(run.request.issue.htmlUrl),
    requestedBy: run.requestedBy,
    createdAt: run.createdAt,
    when: formatWhen(run.createdAt),
    duration: formatDuration(end - Date.parse(run.createdAt)),
    cost: formatCost(run.costUsd),
  };
}

interface InstallationOption {
  readonly id: number;
  readonly label: string;
}

/** Installations by the accounts their repositories belong to ("octo-org"), as the user knows them. */
function describeInstallations(ids: readonly number[], repos: readonly ReachableRepo[]): InstallationOption[] {
  return ids.map((id) => {
    const owners = [...new Set(repos.filter((repo) => repo.installationId === id).map((repo) => repo.fullName.split("/")[0]!))];
    return { id, label: owners.length > 0 ? owners.join(", ") : `installation ${id}` };
  });
}

export interface RunsListData {
  readonly filter: RunsFilter;
  readonly installations: readonly InstallationOption[];
  readonly repos: readonly ReachableRepo[];
  readonly states: readonly string[];
  readonly rows: readonly RunRow[];
  /** The next page's address, when there may be one. */
  readonly olderHref: string | null;
}

const runsListView = defineView<RunsListData>("runs-list", RUNS_LIST_TEMPLATE);

function buildOlderHref(url: URL, rows: readonly RunRow[]): string | null {
  if (rows.length < RUNS_PAGE_SIZE) return null;
  const params = new URLSearchParams(url.searchParams);
  params.set("before", String(rows[rows.length - 1]!.id));
  return `/hamster/runs?${params.toString()}`;
}

async function showRunsList(deps: ConsoleDeps, ctx: ConsoleContext, response: Parameters<ConsoleRoute["handle"]>[2]): Promise<void> {
  const filter = parseRunsFilter(ctx.url.searchParams);
  if (!filter) return sendMessage(response, ctx, 400, "Unknown filter", "A filter of this list has a value it does not know. Clear the filters and try again.");
  const [installationIds, repos] = await Promise.all([ctx.access.installationIds(), ctx.access.reachableRepos()]);
  // A filter naming what the user cannot reach gets what anything out of reach gets.
  if (filter.installationId !== undefined && !installationIds.includes(filter.installationId)) throw new ConsoleNotFound();
  if (filter.repoId !== undefined && !repos.some((repo) => repo.repoId === filter.repoId && (filter.installationId ?? repo.installationId) === repo.installationId)) {
    throw new ConsoleNotFound();
  }
  const shown = repos.filter(
    (repo) => (filter.installationId === undefined || repo.installationId === filter.installationId) && (filter.repoId === undefined || repo.repoId === filter.repoId),
  );
  const runs = deps.runs.listRunsForRepos({
    repoIds: [...new Set(shown.map((repo) => repo.repoId))],
    ...(filter.state !== undefined ? { states: STATE_GROUPS[filter.state]! } : {}),
    ...(filter.text !== undefined ? { text: filter.text } : {}),
    ...(filter.beforeId !== undefined ? { beforeId: filter.beforeId } : {}),
    limit: RUNS_PAGE_SIZE,
  });
  const now = new Date();
  const rows = runs.map((run) => buildRunRow(run, now));
  sendPage(response, ctx, {
    title: "Runs",
    view: runsListView,
    data: {
      filter,
      installations: describeInstallations(installationIds, repos),
      repos: [...repos].sort((a, b) => a.fullName.localeCompare(b.fullName)),
      states: Object.keys(STATE_GROUPS),
      rows,
      olderHref: buildOlderHref(ctx.url, rows),
    },
  });
}

export function createRunsListRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [{ method: "GET", pattern: "/hamster/runs", handle: (ctx, _request, response) => showRunsList(deps, ctx, response) }];
}
