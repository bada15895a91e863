/**
 * The console's script, served as /hamster/assets/console.js: plain browser JavaScript, no build
 * step, nothing inline (the pages' Content-Security-Policy runs only scripts from /hamster/assets/).
 */
export const CONSOLE_JS = `"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A filter applies as soon as it is chosen; the button stays for keyboards and scripts off.
  document.querySelectorAll("form.filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Times in the reader's own zone, beside the UTC the server wrote.
  document.querySelectorAll("time[datetime]").forEach(function (time) {
    var at = new Date(time.getAttribute("datetime"));
    if (!isNaN(at.getTime())) time.title = at.toLocaleString();
  });
});
`;
