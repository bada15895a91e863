/** The console's style sheet, served as /hamster/assets/console.css: readable from a phone's width up. */
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --line: #d1d9e0; --link: #0969da;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --run: #8250df;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 16px; line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d; --link: #4493f8;
          --ok: #3fb950; --bad: #f85149; --warn: #d29922; --run: #ab7df8; }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
a { color: var(--link); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.875rem; }
pre { background: var(--panel); padding: 0.75rem; overflow-x: auto; white-space: pre-wrap; }
button, input, select { font: inherit; color: inherit; }
button { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.8rem; cursor: pointer; }
input, select { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.5rem; max-width: 100%; }
form.inline { display: inline; margin: 0; }

header.top { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between;
             padding: 0.6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 600; color: var(--fg); text-decoration: none; }
header.top .who { display: flex; gap: 0.75rem; align-items: center; }

.message { max-width: 40rem; }
.empty { color: var(--muted); }

.filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: 0.875rem; color: var(--muted); }
.filters label > * { color: var(--fg); }

table.runs { width: 100%; border-collapse: collapse; }
table.runs th, table.runs td { text-align: left; padding: 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.runs th { font-size: 0.875rem; color: var(--muted); font-weight: 600; }
.task .run-link { font-weight: 600; margin-right: 0.5rem; }
.task .repo { color: var(--muted); margin-right: 0.5rem; }
.task .issue { display: block; }
bdi { unicode-bidi: isolate; }

.state { font-weight: 600; text-decoration: none; white-space: nowrap; }
.state-succeeded { color: var(--ok); }
.state-failed, .state-timed_out { color: var(--bad); }
.state-cancelled { color: var(--muted); }
.state-queued { color: var(--warn); }
.state-preparing, .state-planning, .state-implementing, .state-verifying, .state-delivering { color: var(--run); }

/* A phone: each run is a card, each cell labelled. */
@media (max-width: 40rem) {
  main { padding: 0.75rem; }
  table.runs thead { display: none; }
  table.runs, table.runs tbody, table.runs tr, table.runs td { display: block; width: 100%; }
  table.runs tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 0.75rem; padding: 0.25rem 0.5rem; }
  table.runs td { border: none; padding: 0.2rem 0; }
  table.runs td::before { content: attr(data-label); display: inline-block; min-width: 6rem; color: var(--muted); font-size: 0.875rem; }
  table.runs td.task::before { display: block; }
}

/* Installation settings: one column of labelled fields, full width on a phone. */
section.settings { border-top: 1px solid var(--line); padding: 0.5rem 0 1rem; max-width: 40rem; }
section.settings h2 { font-size: 1.15rem; margin: 0.5rem 0; }
form.stack { display: flex; flex-direction: column; gap: 0.6rem; margin: 0.5rem 0; }
form.stack label { display: flex; flex-direction: column; font-size: 0.875rem; color: var(--muted); }
form.stack label > * { color: var(--fg); font-size: 1rem; }
form.stack fieldset { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-direction: column; gap: 0.5rem; }
form.stack button { align-self: flex-start; }
button.danger { color: var(--bad); }
.muted, .hint { color: var(--muted); }
.notice { border-left: 4px solid var(--ok); padding: 0.3rem 0.75rem; background: var(--panel); }
.errors, .warning { border-left: 4px solid var(--bad); padding: 0.3rem 0.75rem; background: var(--panel); }
`;
