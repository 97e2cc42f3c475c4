/* Support Desk: a few lines of plain JavaScript. Every page works without it; this adds the
 * browser's timezone to the public form, live countdowns and clocks, the queue's refresh, and the
 * canned-reply picker on the ticket page. */
(function () {
  "use strict";

  var serverOffsetMs = 0; // server clock minus browser clock, so countdowns follow the server

  function now() {
    return Date.now() + serverOffsetMs;
  }

  function syncServerClock(root) {
    var el = root.querySelector("[data-server-now]");
    if (el) {
      var server = Date.parse(el.getAttribute("data-server-now"));
      if (!isNaN(server)) serverOffsetMs = server - Date.now();
    }
  }

  // The public form: promises are shown in the customer's own zone.
  function fillTimezone() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      zone = "";
    }
    document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
      input.value = zone;
    });
  }

  // Land keyboard and screen-reader users on the list of errors when a form comes back.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  // Say a file is too large before uploading it (the server checks again).
  function checkFileSizes() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        var max = parseInt(input.getAttribute("data-max-bytes"), 10);
        var tooBig = Array.prototype.some.call(input.files || [], function (f) {
          return f.size > max;
        });
        input.setCustomValidity(
          tooBig ? "The file is larger than " + Math.floor(max / 1048576) + " MiB." : ""
        );
        if (tooBig) input.reportValidity();
      });
    });
  }

  // The ticket page's canned replies: "Insert" puts the chosen one (filled in by the server for this
  // ticket, in a <template>) where the cursor is in the reply box, keeping what was typed, and chooses
  // its status in the reply form when this ticket may move to it. Without JavaScript the picker is a GET
  // that comes back with the reply box filled.
  function macroPicker() {
    var picker = document.querySelector("form[data-macro-picker]");
    var box = document.getElementById("id_reply-body");
    if (!picker || !box) return;
    picker.addEventListener("submit", function (event) {
      var select = picker.querySelector("select");
      var template = select && picker.querySelector('template[data-macro-body="' + select.value + '"]');
      if (!template) return; // nothing chosen: let the GET say so
      event.preventDefault();
      var text = template.content.textContent;
      var start = box.selectionStart || 0;
      var end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus();
      box.setSelectionRange(start + text.length, start + text.length);
      var status = template.getAttribute("data-macro-status");
      var statusSelect = document.getElementById("id_reply-status");
      if (status && statusSelect && statusSelect.querySelector('option[value="' + status + '"]')) {
        statusSelect.value = status;
      }
    });
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The same words as presenters.countdown_text on the server.
  function countdownText(ms) {
    var overdue = ms < 0;
    var s = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(s / 86400);
    var hours = Math.floor((s % 86400) / 3600);
    var minutes = Math.floor((s % 3600) / 60);
    var seconds = s % 60;
    var text;
    if (days) text = days + "d " + hours + "h";
    else if (hours) text = hours + "h " + pad(minutes) + "m";
    else text = minutes + "m " + pad(seconds) + "s";
    return overdue ? "overdue " + text : text;
  }

  function tick() {
    var t = now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      var warn = Date.parse(el.getAttribute("data-warn") || "");
      if (isNaN(due)) return;
      var state = t >= due ? "breached" : !isNaN(warn) && t >= warn ? "warning" : "ok";
      var text = countdownText(due - t);
      if (el.textContent !== text) el.textContent = text;
      if (el.getAttribute("data-state") !== state) {
        el.setAttribute("data-state", state);
        var row = el.closest("[data-countdown-row]");
        if (row) row.setAttribute("data-state", state);
      }
    });
    document.querySelectorAll("[data-clock-tz]").forEach(function (el) {
      var target = el.querySelector("[data-clock-time]");
      if (!target) return;
      try {
        var text = new Intl.DateTimeFormat("en-GB", {
          timeZone: el.getAttribute("data-clock-tz"),
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23"
        }).format(new Date(t));
        if (target.textContent !== text) target.textContent = text;
      } catch (e) {
        /* an unknown zone keeps the server's text */
      }
    });
  }

  // The queue: fetch the live part every few seconds and swap it in, without a full reload.
  // Skipped while the tab is hidden or while keyboard focus is inside the part (not to lose it).
  function startRefresh() {
    var live = document.querySelector("[data-live-url]");
    if (!live || !window.fetch) return;
    var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 20;
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden || live.contains(document.activeElement)) return;
      if (live.querySelector("[data-bulk-select]:checked")) return; // a selection waits for its action
      busy = true;
      live.setAttribute("aria-busy", "true");
      fetch(live.getAttribute("data-live-url"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        cache: "no-store"
      })
        .then(function (response) {
          return response.ok && !response.redirected ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null) {
            live.innerHTML = html;
            syncServerClock(live);
            tick();
          }
        })
        .catch(function () {
          /* offline for a moment: the next round tries again */
        })
        .then(function () {
          busy = false;
          live.removeAttribute("aria-busy");
        });
    }, seconds * 1000);
  }

  // Bulk selection: "select all on this page" ticks every row of its own table.
  function bulkSelectAll() {
    document.addEventListener("change", function (event) {
      var all = event.target;
      if (!all.matches || !all.matches("[data-bulk-all]")) return;
      var table = all.closest("table");
      table.querySelectorAll("[data-bulk-select]").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bulkSelectAll();
    fillTimezone();
    focusErrorSummary();
    checkFileSizes();
    macroPicker();
    syncServerClock(document);
    tick();
    window.setInterval(tick, 1000);
    startRefresh();
  });
})();
