/** The diff viewer: which view, what is shown, then each file as diff2html draws it. */
export const RUN_DIFF_TEMPLATE = `<article class="run-diff">
<h1><a href="<%= it.runHref %>">Run #<%= it.runId %></a>: the diff</h1>
<% if (it.diff) { %>
<p class="meta"><span class="repo"><%= it.repo %></span> · <code><%= it.baseSha %></code>…<code><%= it.headSha %></code> · <%= it.files.length %> file<%= it.files.length === 1 ? "" : "s" %>, <span class="added">+<%= it.added %></span> <span class="deleted">−<%= it.deleted %></span></p>
<nav class="views">View:
<% for (const view of it.views) { %>
  <% if (view.current) { %><strong aria-current="page"><%= view.label %></strong><% } else { %><a href="<%= view.href %>"><%= view.label %></a><% } %>
<% } %>
</nav>
<% if (it.truncated) { %><p class="warning">This diff was too long to keep whole: only its first files are shown. The pull request has all of it.</p><% } %>
<ol class="diff-files">
<% for (const file of it.files) { %>
  <li><a href="#<%= file.anchor %>"><bdi><%= file.name %></bdi></a> <span class="file-status"><%= file.status %></span> <span class="added">+<%= file.added %></span> <span class="deleted">−<%= file.deleted %></span></li>
<% } %>
</ol>
<% for (const file of it.files) { %>
<section class="diff-file" id="<%= file.anchor %>"><%= file.html %></section>
<% } %>
<% } else { %>
<p class="empty">No diff yet: the run has not pushed any work.</p>
<% } %>
</article>
`;
