/** The base layout: header with the signed-in user and the sign-out form, then the page. */
export const LAYOUT_TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title><%= it.title %> · Hamster Deliver</title>
<link rel="stylesheet" href="/hamster/assets/console.css">
<% for (const style of it.styles) { %>
<link rel="stylesheet" href="/hamster/assets/<%= style %>">
<% } %>
<script src="/hamster/assets/console.js" defer></script>
<% for (const script of it.scripts) { %>
<script src="/hamster/assets/<%= script %>" defer></script>
<% } %>
</head>
<body>
<header class="top">
  <a class="brand" href="/hamster/runs">Hamster Deliver</a>
  <% if (it.user) { %>
  <nav class="who">
    <span class="user" data-login="<%= it.user.login %>">@<%= it.user.login %></span>
    <form method="post" action="/hamster/logout" class="inline">
      <input type="hidden" name="csrf" value="<%= it.csrf %>">
      <button type="submit">Sign out</button>
    </form>
  </nav>
  <% } %>
</header>
<main>
<%~ it.body %>
</main>
</body>
</html>
`;
