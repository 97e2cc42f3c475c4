/* Support Desk: the desk's keyboard shortcuts (issue 16). Plain JavaScript, no inline code (the CSP).
 *
 *   queue (/queue/):  j / k  select the next / previous ticket row;  o or Enter  open the selected ticket
 *   ticket page:      r  focus the public reply box;  n  focus the internal note box
 *   anywhere on the desk:  ?  the list of keys (a modal <dialog>; Escape closes it, focus goes back)
 *
 * Keys never fire while typing (input, textarea, select, contenteditable), with Ctrl, Alt or Meta held,
 * or while the dialog is open. The queue's selection is a highlight (aria-current on the row, announced
 * in a polite live region), not keyboard focus: the queue's refresh pauses while focus is inside its live
 * part, and the selection is put back on the same ticket after each refresh when its row is still there.
 * Every page works without this file. */
(function () {
  "use strict";

  var ROWS = "#queue-live tr[data-reference]";
  // Fields that take text; a focused checkbox, radio or button does not (j still moves from a row's checkbox).
  var TYPING =
    "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]):not([type=reset])" +
    ":not([type=image]):not([type=range]):not([type=color]), textarea, select";
  var INTERACTIVE = "a[href], button, input, select, textarea, summary, [role=button], [contenteditable]";

  var selected = null; // {reference, table}: which row, so a refresh can find it again
  var announcer = null;

  function isTyping(target) {
    if (!target || target.nodeType !== 1) return false;
    return target.isContentEditable || target.matches(TYPING);
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll(ROWS), function (row) {
      return row.offsetParent !== null; // visible rows only (hidden tables and sections do not count)
    });
  }

  function tableOf(row) {
    var table = row.closest("table");
    return table ? table.getAttribute("data-testid") || "" : "";
  }

  function linkOf(row) {
    return row.querySelector("a.ticket-link[href]") || row.querySelector("a[href]");
  }

  function currentRow() {
    if (!selected) return null;
    var list = rows();
    var exact = list.filter(function (row) {
      return row.getAttribute("data-reference") === selected.reference && tableOf(row) === selected.table;
    });
    if (exact.length) return exact[0];
    var same = list.filter(function (row) {
      return row.getAttribute("data-reference") === selected.reference;
    });
    return same.length ? same[0] : null;
  }

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 30);
  }

  function mark(row, speak) {
    document.querySelectorAll(ROWS + "[aria-current]").forEach(function (other) {
      if (other !== row) {
        other.removeAttribute("aria-current");
        other.classList.remove("is-selected");
      }
    });
    if (!row) {
      selected = null;
      return;
    }
    row.setAttribute("aria-current", "true");
    row.classList.add("is-selected");
    selected = { reference: row.getAttribute("data-reference"), table: tableOf(row) };
    if (speak) {
      row.scrollIntoView({ block: "nearest" });
      var link = linkOf(row);
      announce((link ? link.textContent.replace(/\s+/g, " ").trim() : selected.reference) + ", selected");
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    mark(list[next], true);
  }

  function openSelected() {
    var row = currentRow();
    var link = row && linkOf(row);
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function focusBox(sectionId) {
    var box = document.querySelector("#" + sectionId + " textarea");
    if (!box) return false;
    box.scrollIntoView({ block: "center" });
    box.focus();
    return true;
  }

  // The dialog listing the keys: a native modal <dialog> keeps focus inside it (the rest of the page is
  // inert), closes on Escape; focus goes back to where it was when it opened.
  var returnFocusTo = null;

  function dialog() {
    return document.getElementById("shortcuts-dialog");
  }

  function openHelp() {
    var box = dialog();
    if (!box || box.open || typeof box.showModal !== "function") return false;
    returnFocusTo = document.activeElement;
    box.showModal();
    var close = box.querySelector("[data-shortcuts-close]");
    if (close) close.focus();
    return true;
  }

  function setUpDialog() {
    var box = dialog();
    if (!box || typeof box.showModal !== "function") return;
    box.addEventListener("close", function () {
      var back = returnFocusTo;
      returnFocusTo = null;
      if (back && back !== document.body && document.contains(back) && typeof back.focus === "function") {
        back.focus();
      }
    });
    // The modal dialog makes the page inert, but Tab from its last control would leave for the browser's
    // own toolbar: keep Tab and Shift+Tab cycling through the dialog's controls.
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var controls = Array.prototype.filter.call(box.querySelectorAll(INTERACTIVE), function (el) {
        return !el.disabled && el.offsetParent !== null;
      });
      if (!controls.length) return;
      var first = controls[0];
      var last = controls[controls.length - 1];
      if (event.shiftKey && (document.activeElement === first || !box.contains(document.activeElement))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !box.contains(document.activeElement))) {
        event.preventDefault();
        first.focus();
      }
    });
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false; // only offered when this script runs
      button.addEventListener("click", openHelp);
    });
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (isTyping(event.target)) return;
    var box = dialog();
    if (box && box.open) return; // the dialog handles its own keys (Escape, Tab)
    var done = false;
    switch (event.key) {
      case "?":
        done = openHelp();
        break;
      case "j":
        if (rows().length) {
          move(1);
          done = true;
        }
        break;
      case "k":
        if (rows().length) {
          move(-1);
          done = true;
        }
        break;
      case "o":
        done = openSelected();
        break;
      case "Enter":
        // Enter on a link, button or field does what it always does; elsewhere it opens the selection.
        if (!(event.target.closest && event.target.closest(INTERACTIVE))) done = openSelected();
        break;
      case "r":
        done = focusBox("reply");
        break;
      case "n":
        done = focusBox("note");
        break;
    }
    if (done) event.preventDefault(); // also keeps "r" or "n" from being typed into the box it focused
  }

  // After the queue's live part is swapped in (desk.js), put the selection back on the same ticket.
  function keepSelectionAcrossRefresh() {
    var live = document.getElementById("queue-live");
    if (!live || !window.MutationObserver) return;
    new MutationObserver(function () {
      if (!selected) return;
      var row = currentRow();
      if (row) mark(row, false);
      else {
        selected = null;
        announce("The selected ticket left the queue.");
      }
    }).observe(live, { childList: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    announcer = document.getElementById("shortcuts-status");
    setUpDialog();
    keepSelectionAcrossRefresh();
    document.addEventListener("keydown", onKey);
  });
})();
