/**
 * The run page's live updates, served as /hamster/assets/run-page.js: plain browser JavaScript.
 * It listens to the run's event stream and puts what arrives where it belongs: new turns, tool
 * calls and commands appended, the live parts (stages, tokens, plan…) replaced. The server
 * renders and escapes every piece of markup; this only places it.
 */
export const RUN_PAGE_JS = `"use strict";
(function () {
  var page = document.getElementById("run-page");
  if (!page || page.getAttribute("data-final") === "true" || typeof EventSource === "undefined") return;
  var after = page.getAttribute("data-last-event-id") || "0";
  var source = new EventSource(page.getAttribute("data-events-url") + "?after=" + encodeURIComponent(after));

  function seen(id) {
    return id !== "" && page.querySelector('[data-event-id="' + id + '"]:not(details.turn)') !== null;
  }
  function firstElement(markup) {
    var holder = document.createElement("div");
    holder.innerHTML = markup;
    return holder.firstElementChild;
  }
  function clearEmpty(id) {
    var empty = document.getElementById(id);
    if (empty) empty.remove();
  }
  function openTurn(key, markup) {
    var turn = document.getElementById("turn-" + key);
    if (!turn) {
      turn = firstElement(markup);
      document.getElementById("transcript").appendChild(turn);
      clearEmpty("transcript-empty");
    }
    return turn;
  }
  function read(event) {
    return JSON.parse(event.data);
  }

  source.addEventListener("turn", function (event) {
    var data = read(event);
    var fresh = firstElement(data.html);
    var turn = document.getElementById("turn-" + data.key);
    if (!turn) return openTurn(data.key, data.html);
    // The turn was opened by one of its tool calls: it gets its model call's summary now.
    turn.replaceChild(fresh.querySelector("summary"), turn.querySelector("summary"));
    turn.setAttribute("data-event-id", fresh.getAttribute("data-event-id"));
  });
  source.addEventListener("tool", function (event) {
    if (seen(event.lastEventId)) return;
    var data = read(event);
    openTurn(data.key, data.shell).querySelector("ol.tools").appendChild(firstElement(data.html));
  });
  source.addEventListener("command", function (event) {
    if (seen(event.lastEventId)) return;
    document.getElementById("commands").appendChild(firstElement(read(event).html));
    clearEmpty("commands-empty");
  });
  source.addEventListener("run", function (event) {
    var data = read(event);
    Object.keys(data.parts).forEach(function (id) {
      var part = document.getElementById(id);
      if (part) part.innerHTML = data.parts[id];
    });
    page.setAttribute("data-state", data.state);
    page.setAttribute("data-actions", data.actions.join(" "));
    page.setAttribute("data-final", String(data.final));
    if (data.final) source.close();
  });
})();
`;
