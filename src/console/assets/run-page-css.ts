/** The run page's and the diff viewer's styles, served as /hamster/assets/run-page.css (after console.css). */
export const RUN_PAGE_CSS = `
.run-page h1 { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: baseline; }
.run-page h1 .state { font-size: 1rem; }
.run-page h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.run-page .task .repo, .run-page .meta, .run-page .params, .run-diff .meta { color: var(--muted); }
.run-page .task .title { font-weight: 600; }
.run-page .task .issue { display: inline; }
.run-page p { margin: 0.25rem 0; }

.controls { display: flex; gap: 0.5rem; margin: 0.75rem 0; }
.run-page:not([data-actions~="cancel"]) .control.cancel,
.run-page:not([data-actions~="retry"]) .control.retry { display: none; }
.control.cancel button { border-color: var(--bad); color: var(--bad); }

.links ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; padding: 0; margin: 0.5rem 0; }

.timeline { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.5rem; }
.timeline .stage { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.6rem; background: var(--panel); }
.timeline .stage .status, .timeline .stage .duration, .timeline .stage .detail { color: var(--muted); font-size: 0.875rem; }
.timeline .stage-running { border-color: var(--run); }
.timeline .stage-failed { border-color: var(--bad); }
.timeline .stage-done { border-color: var(--ok); }
.timeline .stage-running .icon { color: var(--run); }
.timeline .stage-failed .icon { color: var(--bad); }
.timeline .stage-done .icon { color: var(--ok); }
.timeline .stage-pending .icon, .timeline .stage-skipped .icon { color: var(--muted); }
.now { margin-top: 0.5rem; }

pre.reason, pre.summary { white-space: pre-wrap; }
.plan { list-style: none; padding-left: 0; }
.plan li.done { color: var(--muted); }

table.criteria { width: 100%; border-collapse: collapse; }
.criterion-met td:nth-child(3), details.verification.ok > summary { color: var(--ok); }
.criterion-not_met td:nth-child(3), details.verification.failed > summary { color: var(--bad); }
.criterion-unverified td:nth-child(3) { color: var(--warn); }
table.criteria th, table.criteria td { text-align: left; padding: 0.4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.warning { color: var(--warn); }

details.turn, details.command, details.verification { border: 1px solid var(--line); border-radius: 6px; margin: 0.25rem 0; background: var(--bg); }
details.turn > summary, details.command > summary, details.verification > summary { cursor: pointer; padding: 0.3rem 0.6rem; }
details.turn .turn-no { font-weight: 600; }
details.turn .model, details.turn .stop { color: var(--muted); }
ol.tools { margin: 0; padding: 0.25rem 0.75rem 0.5rem 2.25rem; }
ol.tools .tool { margin: 0.15rem 0; }
.tool .tool-name { font-weight: 600; }
.tool .outcome { font-size: 0.8rem; border-radius: 4px; padding: 0 0.3rem; border: 1px solid var(--line); }
.tool.outcome-ok .outcome { color: var(--ok); }
.tool.outcome-error .outcome { color: var(--bad); }
.tool .detail, .tool .duration { color: var(--muted); font-size: 0.875rem; }
details.command.failed, details.verification.failed { border-color: var(--bad); }
details pre.output { margin: 0; border-top: 1px solid var(--line); max-height: 30rem; overflow: auto; }

.run-diff .views { margin: 0.5rem 0; display: flex; gap: 0.75rem; }
.run-diff .added { color: var(--ok); }
.run-diff .deleted { color: var(--bad); }
.run-diff .file-status { color: var(--muted); font-size: 0.875rem; }
.diff-files { padding-left: 1.25rem; }
.diff-file { margin: 1rem 0; }
.d2h-file-collapse { display: none; }

@media (max-width: 40rem) {
  table.criteria thead { display: none; }
  table.criteria, table.criteria tbody, table.criteria tr, table.criteria td { display: block; width: 100%; }
  table.criteria tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 0.5rem; padding: 0.25rem 0.5rem; }
  table.criteria td { border: none; padding: 0.1rem 0; }
  table.criteria td::before { content: attr(data-label); display: inline-block; min-width: 6rem; color: var(--muted); font-size: 0.875rem; }
  ol.tools { padding-left: 1.5rem; }
}
`;
