/**
 * An installation's settings: its provider key and its defaults (admins only), then the
 * signed-in user's own delivery preferences. Every form posts back here with an `action`.
 * The key's field is never filled in: the page only says when, and by whom, it was set.
 */
export const INSTALLATION_SETTINGS_TEMPLATE = `<h1>Settings · <%= it.label %></h1>
<p class="muted">Installation <%= it.installationId %></p>
<% if (it.notice) { %><p class="notice" role="status"><%= it.notice %></p><% } %>
<% if (it.errors.length > 0) { %>
<div class="errors" role="alert">
  <p><%= it.errorHeading %></p>
  <ul><% for (const error of it.errors) { %><li><%= error %></li><% } %></ul>
</div>
<% } %>

<% if (it.admin) { %>
<section class="settings" id="provider-key">
  <h2>Anthropic API key</h2>
  <p class="key-status"><%= it.key.status %></p>
  <% if (it.key.vaultMissing) { %>
  <p class="warning"><%= it.key.vaultMissing %></p>
  <% } else { %>
  <form method="post" action="<%= it.action %>" class="stack" autocomplete="off">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <input type="hidden" name="action" value="set-key">
    <label>API key
      <input type="password" name="key" autocomplete="off" spellcheck="false" required minlength="<%= it.key.minLength %>" maxlength="<%= it.key.maxLength %>">
    </label>
    <button type="submit"><%= it.key.set ? "Replace the key" : "Save the key" %></button>
  </form>
  <% } %>
  <% if (it.key.set) { %>
  <form method="post" action="<%= it.action %>" class="stack">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <input type="hidden" name="action" value="remove-key">
    <button type="submit" class="danger">Remove the key</button>
  </form>
  <% } %>
  <p class="hint"><%= it.key.fallback %></p>
</section>

<section class="settings" id="defaults">
  <h2>Defaults for runs</h2>
  <p class="hint">For every repository of this installation: a repository's <code>.github/hamster.yml</code>, a user's preferences and a <code>/deliver</code> parameter each take precedence. Leave a field empty for the app's default.</p>
  <% if (it.defaults.updated) { %><p class="muted">Last changed <%= it.defaults.updated %>.</p><% } %>
  <form method="post" action="<%= it.action %>" class="stack">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <input type="hidden" name="action" value="save-defaults">
    <label>Agent
      <select name="agent">
        <option value="">App default (<%= it.appDefaults.agent %>)</option>
        <% for (const agent of it.agents) { %>
        <option value="<%= agent %>"<% if (it.defaults.fields.agent === agent) { %> selected<% } %>><%= agent %></option>
        <% } %>
      </select>
    </label>
    <label>Model
      <input type="text" name="model" value="<%= it.defaults.fields.model %>" placeholder="<%= it.appDefaults.model %>" spellcheck="false">
    </label>
    <label>Executor
      <select name="executor">
        <option value="">App default (<%= it.appDefaults.executor %>)</option>
        <% for (const executor of it.executors) { %>
        <option value="<%= executor %>"<% if (it.defaults.fields.executor === executor) { %> selected<% } %>><%= executor %></option>
        <% } %>
      </select>
    </label>
    <fieldset>
      <legend>Budgets</legend>
      <% for (const budget of it.budgets) { %>
      <label><%= budget.label %>
        <input type="text" inputmode="decimal" name="budgets.<%= budget.key %>" value="<%= it.defaults.fields.budgets[budget.key] %>" placeholder="<%= budget.placeholder %>">
      </label>
      <% } %>
    </fieldset>
    <button type="submit">Save the defaults</button>
  </form>
</section>
<% } else { %>
<p class="hint">Only admins of <%= it.label %> change this installation's API key and defaults.</p>
<% } %>

<section class="settings" id="preferences">
  <h2>Your delivery preferences</h2>
  <p class="hint">Yours alone, in every repository of this installation: what <code>/hamster prefs</code> sets. They take precedence over the repository's <code>.github/hamster.yml</code>; a <code>/deliver</code> parameter over them. Leave a field empty to clear it.</p>
  <form method="post" action="<%= it.action %>" class="stack">
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <input type="hidden" name="action" value="save-preferences">
    <label>Agent
      <select name="agent">
        <option value="">Not set</option>
        <% for (const agent of it.agents) { %>
        <option value="<%= agent %>"<% if (it.preferences.agent === agent) { %> selected<% } %>><%= agent %></option>
        <% } %>
      </select>
    </label>
    <label>Base branch
      <input type="text" name="branch" value="<%= it.preferences.branch %>" placeholder="the repository's default branch" spellcheck="false">
    </label>
    <label>Model
      <input type="text" name="model" value="<%= it.preferences.model %>" spellcheck="false">
    </label>
    <button type="submit">Save my preferences</button>
  </form>
</section>
`;
