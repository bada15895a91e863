/** The runs list: filters, then one row per run (a table on a wide screen, cards on a phone). */
export const RUNS_LIST_TEMPLATE = `<h1>Runs</h1>
<form class="filters" method="get" action="/hamster/runs">
  <label>Installation
    <select name="installation">
      <option value="">All</option>
      <% for (const installation of it.installations) { %>
      <option value="<%= installation.id %>"<% if (it.filter.installationId === installation.id) { %> selected<% } %>><%= installation.label %></option>
      <% } %>
    </select>
  </label>
  <label>Repository
    <select name="repo">
      <option value="">All</option>
      <% for (const repo of it.repos) { %>
      <option value="<%= repo.repoId %>"<% if (it.filter.repoId === repo.repoId) { %> selected<% } %>><%= repo.fullName %></option>
      <% } %>
    </select>
  </label>
  <label>State
    <select name="state">
      <option value="">All</option>
      <% for (const state of it.states) { %>
      <option value="<%= state %>"<% if (it.filter.state === state) { %> selected<% } %>><%= state.replace("_", " ") %></option>
      <% } %>
    </select>
  </label>
  <label>Search
    <input type="search" name="q" value="<%= it.filter.text ?? "" %>" placeholder="title, repository, person, #issue">
  </label>
  <button type="submit">Filter</button>
</form>
<% if (it.rows.length === 0) { %>
<p class="empty">No runs here yet.</p>
<% } else { %>
<table class="runs">
  <thead>
    <tr><th>State</th><th>Task</th><th>Who</th><th>When</th><th>Duration</th><th>Cost</th></tr>
  </thead>
  <tbody>
  <% for (const row of it.rows) { %>
    <tr class="run" data-run-id="<%= row.id %>">
      <td data-label="State"><a class="state state-<%= row.state %>" href="<%= row.href %>"><%= row.state.replace("_", " ") %></a></td>
      <td data-label="Task" class="task">
        <a class="run-link" href="<%= row.href %>">Run #<%= row.id %></a>
        <span class="repo"><%= row.repo %></span>
        <% if (row.issueHref) { %><a class="issue" href="<%= row.issueHref %>" rel="noopener noreferrer"><% } else { %><span class="issue"><% } %>#<%= row.issueNumber %> <bdi class="title"><%= row.issueTitle %></bdi><% if (row.issueHref) { %></a><% } else { %></span><% } %>
      </td>
      <td data-label="Who">@<%= row.requestedBy %></td>
      <td data-label="When"><time datetime="<%= row.createdAt %>"><%= row.when %></time></td>
      <td data-label="Duration"><%= row.duration %></td>
      <td data-label="Cost"><%= row.cost %></td>
    </tr>
  <% } %>
  </tbody>
</table>
<% if (it.olderHref) { %><p class="more"><a href="<%= it.olderHref %>">Older runs</a></p><% } %>
<% } %>
`;
