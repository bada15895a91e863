/*
 * The run page, in pieces: each live part and each transcript entry is its own template, so the
 * page and the live stream (run-events-stream.ts) send the very same markup.
 */

/** The whole page: the live parts in their places, the transcript, the commands, the controls. */
export const RUN_PAGE_TEMPLATE = `<article class="run-page" id="run-page" data-run-id="<%= it.runId %>" data-events-url="<%= it.eventsUrl %>" data-last-event-id="<%= it.lastEventId %>" data-state="<%= it.state %>" data-final="<%= it.final %>" data-actions="<%= it.actions %>">
<header id="run-head" class="part"><%= it.parts["run-head"] %></header>
<% if (it.canControl) { %>
<div class="controls">
  <form method="post" action="<%= it.controlBase %>/cancel" class="control cancel">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <button type="submit">Cancel run</button>
  </form>
  <form method="post" action="<%= it.controlBase %>/retry" class="control retry">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <button type="submit">Retry</button>
  </form>
</div>
<% } %>
<nav id="run-links" class="part links"><%= it.parts["run-links"] %></nav>
<section class="stages">
  <h2>Stages</h2>
  <div id="run-timeline" class="part"><%= it.parts["run-timeline"] %></div>
  <div id="run-now" class="part"><%= it.parts["run-now"] %></div>
</section>
<section id="run-outcome" class="part"><%= it.parts["run-outcome"] %></section>
<section class="usage">
  <h2>Tokens and cost</h2>
  <div id="run-usage" class="part"><%= it.parts["run-usage"] %></div>
</section>
<section id="run-plan" class="part"><%= it.parts["run-plan"] %></section>
<section id="run-evidence" class="part"><%= it.parts["run-evidence"] %></section>
<section id="run-verification" class="part"><%= it.parts["run-verification"] %></section>
<section class="transcript">
  <h2>Transcript</h2>
  <p class="hint">Each turn is one model call and the tools it asked for; open a turn to see them.</p>
  <div id="transcript"><%= it.transcript %></div>
  <% if (it.transcriptEmpty) { %><p class="empty" id="transcript-empty">No model calls yet.</p><% } %>
</section>
<section class="commands">
  <h2>Setup and test output</h2>
  <div id="commands"><%= it.commands %></div>
  <% if (it.commandsEmpty) { %><p class="empty" id="commands-empty">No setup or test commands yet.</p><% } %>
</section>
</article>
`;

export const RUN_HEAD_TEMPLATE = `<h1>Run #<%= it.id %> <span class="state state-<%= it.state %>"><%= it.stateLabel %></span></h1>
<p class="task"><span class="repo"><%= it.repo %></span> <% if (it.issueHref) { %><a class="issue" href="<%= it.issueHref %>" rel="noopener noreferrer">#<%= it.issueNumber %></a><% } else { %><span class="issue">#<%= it.issueNumber %></span><% } %> <bdi class="title"><%= it.issueTitle %></bdi></p>
<p class="meta">Requested by @<%= it.requestedBy %> (<%= it.trigger %>) · <time datetime="<%= it.createdAt %>"><%= it.when %></time> · <span class="duration"><%= it.duration %></span></p>
<p class="params">Base <code><%= it.baseBranch %></code> → target <code><%= it.targetBranch %></code> · agent <code><%= it.agent %></code> · model <code><%= it.model %></code><% if (it.executor) { %> · executor <code><%= it.executor %></code><% } %></p>
`;

export const RUN_LINKS_TEMPLATE = `<ul>
<% for (const link of it.links) { %>
  <li><a href="<%= link.href %>"<% if (link.external) { %> rel="noopener noreferrer"<% } %> class="<%= link.kind %>"><%= link.label %></a></li>
<% } %>
</ul>
`;

export const RUN_TIMELINE_TEMPLATE = `<ol class="timeline">
<% for (const stage of it.stages) { %>
  <li class="stage stage-<%= stage.status %>" data-stage="<%= stage.stage %>"><span class="icon" aria-hidden="true"><%= stage.icon %></span> <span class="name"><%= stage.name %></span> <span class="status"><%= stage.status %></span><% if (stage.duration) { %> <span class="duration"><%= stage.duration %></span><% } %><% if (stage.detail) { %> <span class="detail"><%= stage.detail %></span><% } %></li>
<% } %>
</ol>
`;

export const RUN_NOW_TEMPLATE = `<% if (it.progress) { %><p class="now">Now: <code><%= it.progress %></code></p><% } %>
`;

export const RUN_OUTCOME_TEMPLATE = `<% if (it.reason) { %>
<h2><%= it.reasonHeading %></h2>
<pre class="reason"><%= it.reason %></pre>
<% } %>
<% if (it.summary) { %>
<h2>What changed</h2>
<pre class="summary"><%= it.summary %></pre>
<% } %>
<% if (it.context.length > 0) { %>
<ul class="context">
<% for (const line of it.context) { %>
  <li><%= line %></li>
<% } %>
</ul>
<% } %>
`;

export const RUN_USAGE_TEMPLATE = `<p class="tokens"><%= it.usageLine %></p>
<p class="calls"><%= it.callsLine %></p>
`;

export const RUN_PLAN_TEMPLATE = `<% if (it.steps.length > 0) { %>
<h2>Plan</h2>
<ul class="plan">
<% for (const step of it.steps) { %>
  <li class="<%= it.done ? "done" : "todo" %>"><span aria-hidden="true"><%= it.done ? "☑" : "☐" %></span> <%= step %></li>
<% } %>
</ul>
<% } %>
`;

export const RUN_EVIDENCE_TEMPLATE = `<% if (it.report) { %>
<h2>Acceptance criteria</h2>
<% if (it.criteria.length === 0) { %>
<p class="empty">The task lists no acceptance criteria.</p>
<% } else { %>
<table class="criteria">
  <thead><tr><th>#</th><th>Criterion</th><th>Status</th><th>Evidence</th></tr></thead>
  <tbody>
  <% for (const c of it.criteria) { %>
    <tr class="criterion criterion-<%= c.status %>">
      <td data-label="#"><%= c.index %></td>
      <td data-label="Criterion"><%= c.criterion %></td>
      <td data-label="Status"><%= c.statusLabel %></td>
      <td data-label="Evidence"><% if (c.command) { %><code><%= c.command %></code> → <%= c.result %><% } else if (c.file) { %><code><%= c.file %></code><% } else { %>—<% } %><% if (c.note) { %> <span class="note">(<%= c.note %>)</span><% } %></td>
    </tr>
  <% } %>
  </tbody>
</table>
<% } %>
<% if (it.formatError) { %><p class="warning">The agent's report could not be read (<%= it.formatError %>), so no criterion counts as verified.</p><% } %>
<% } %>
`;

export const RUN_VERIFICATION_TEMPLATE = `<% if (it.verification) { %>
<h2>Verification</h2>
<details class="verification <%= it.verification.passed ? "ok" : "failed" %>"<% if (!it.verification.passed) { %> open<% } %>>
  <summary><code><%= it.verification.command %></code> <%= it.result %></summary>
  <pre class="output"><%= it.verification.outputTail %></pre>
</details>
<% } %>
`;

/** One turn, closed; its tool calls inside. Its summary says what the model call cost. */
export const TURN_TEMPLATE = `<details class="turn" id="turn-<%= it.key %>" data-event-id="<%= it.callId %>">
<summary><span class="turn-no"><% if (it.attempt > 1) { %>attempt <%= it.attempt %> · <% } %>turn <%= it.turn %></span><% if (it.call) { %> · <span class="model"><%= it.call.model %></span> · <span class="tokens"><%= it.tokens %></span> · <span class="cost"><%= it.cost %></span><% if (it.duration) { %> · <span class="duration"><%= it.duration %></span><% } %><% if (it.call.stopReason) { %> · <span class="stop"><%= it.call.stopReason %></span><% } %><% } %></summary>
<ol class="tools"><%= it.tools %></ol>
</details>
`;

export const TOOL_CALL_TEMPLATE = `<li class="tool outcome-<%= it.outcome %>" data-event-id="<%= it.id %>"><span class="tool-name"><%= it.tool %></span><% if (it.summary) { %> <code><%= it.summary %></code><% } %> <span class="outcome"><%= it.outcomeLabel %></span><% if (it.detail) { %> <span class="detail"><%= it.detail %></span><% } %><% if (it.duration) { %> <span class="duration"><%= it.duration %></span><% } %></li>
`;

export const COMMAND_TEMPLATE = `<details class="command <%= it.ok ? "ok" : "failed" %>" data-event-id="<%= it.id %>"<% if (!it.ok) { %> open<% } %>>
<summary><span class="purpose"><%= it.purpose %></span> <code><%= it.command %></code> · <%= it.ending %> · <%= it.duration %></summary>
<pre class="output"><%= it.outputTail %></pre>
</details>
`;
