// Every page: when the server refuses or fails an htmx request (an error status, or no answer
// at all), the form that sent it goes back to the values it was rendered with, the stored ones,
// and a message beside it says why, in the server's words when it gave some. Nothing on screen
// pretends to have been saved.
(function () {
  "use strict";

  var UNREACHABLE = "Not saved: the server could not be reached. Check the connection and try again.";

  // "Title: message" and "This needs ..." paragraphs as one line of sentences
  function sentences(element) {
    var parts = [];
    element.querySelectorAll("p").forEach(function (p) {
      var text = p.textContent.replace(/\s+/g, " ").trim().replace(/\.$/, "");
      if (text) parts.push(text);
    });
    return parts.length ? parts.join(". ") + "." : element.textContent.trim();
  }

  function serverMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = xhr.responseText || "";
    if (type.indexOf("text/html") === 0 && text) {
      var found = new DOMParser()
        .parseFromString(text, "text/html")
        .querySelector("[data-error-message]");
      if (found) return sentences(found);
    } else if (type.indexOf("application/json") === 0 && text) {
      try {
        var detail = JSON.parse(text).detail;
        if (detail) return Array.isArray(detail) ? detail.join("; ") : String(detail);
      } catch (ignored) {
        // not JSON after all: the status line below says enough
      }
    }
    return "the server answered " + xhr.status + " " + (xhr.statusText || "") + ".";
  }

  function messageAfter(anchor) {
    var next = anchor.nextElementSibling;
    if (next && next.hasAttribute("data-not-saved")) return next;
    var box = document.createElement("p");
    box.className = "error not-saved";
    box.setAttribute("role", "alert");
    box.setAttribute("data-not-saved", "");
    anchor.insertAdjacentElement("afterend", box);
    return box;
  }

  // the element that sent a request (htmx names the swap target in htmx:beforeSwap instead)
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.xhr.kintsugiSender = event.detail.elt;
  });

  function notSaved(event, message) {
    var elt = (event.detail.xhr && event.detail.xhr.kintsugiSender) || event.detail.elt;
    if (!(elt instanceof Element) || !elt.isConnected) return;
    var form = elt instanceof HTMLFormElement ? elt : elt.closest("form");
    if (form) form.reset(); // back to the values the page was rendered with: the stored ones
    messageAfter(form || elt).textContent = message;
  }

  function prefix(event) {
    var config = event.detail.requestConfig;
    return config && config.verb === "get" ? "Could not load: " : "Not saved: ";
  }

  // an error answer: handled here, before htmx would log it as a script error; nothing swaps.
  // A form marked data-swap-errors takes its 422 answer in place instead: the form again,
  // with what was typed and each problem beside its field.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.isError) return;
    var sender = event.detail.xhr && event.detail.xhr.kintsugiSender;
    if (event.detail.xhr.status === 422 && sender instanceof Element && sender.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    notSaved(event, prefix(event) + serverMessage(event.detail.xhr));
    event.preventDefault();
  });

  document.addEventListener("htmx:sendError", function (event) {
    notSaved(event, UNREACHABLE);
  });

  // a later request from the same control that succeeds takes its old message away
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    var elt = event.detail.elt;
    if (!(elt instanceof Element) || !elt.isConnected) return;
    var anchor = elt instanceof HTMLFormElement ? elt : elt.closest("form") || elt;
    var next = anchor.nextElementSibling;
    if (next && next.hasAttribute("data-not-saved")) next.remove();
  });
})();

// The post-mortem editor: the language findings beside the text (a finding's quoted words
// select them in the text; "Use suggestion" rewrites them there), and the row editors'
// changes copied into the Markdown text so that Save keeps them.
(function () {
  "use strict";

  function editor() {
    return document.getElementById("markdown");
  }

  // where ``original`` is in the text: at [start, end) as the server counted, else the
  // occurrence nearest to it (the server counts code points, the browser UTF-16 units)
  function locate(text, start, end, original) {
    if (text.slice(start, end) === original) return start;
    var best = -1;
    var at = text.indexOf(original);
    while (at !== -1) {
      if (best === -1 || Math.abs(at - start) < Math.abs(best - start)) best = at;
      at = text.indexOf(original, at + 1);
    }
    return best;
  }

  function select(area, start, end) {
    area.focus();
    area.setSelectionRange(start, end);
    var lines = area.value.slice(0, start).split("\n").length - 1;
    var lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, lines * lineHeight - area.clientHeight / 3);
  }

  function refresh(area) {
    // the preview and the findings follow the text (both listen for this)
    area.dispatchEvent(new Event("text-synced", { bubbles: true }));
    document.body.dispatchEvent(new Event("lint-refresh", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest(".lint-locate, .lint-apply");
    var area = editor();
    if (!button || !area) return;
    var start = parseInt(button.getAttribute("data-start"), 10);
    var end = parseInt(button.getAttribute("data-end"), 10);
    if (button.classList.contains("lint-locate")) {
      select(area, start, end);
      return;
    }
    var original = button.getAttribute("data-original") || "";
    var found = locate(area.value, start, end, original);
    if (found === -1) {
      button.textContent = "The text changed: checking again";
      refresh(area);
      return;
    }
    area.setRangeText(button.getAttribute("data-replacement") || "", found, found + original.length, "end");
    area.focus();
    refresh(area);
  });

  // "## Heading" lines: [level, text]
  function heading(line) {
    var match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    return match ? [match[1].length, match[2]] : null;
  }

  // the text with the section under ``title`` (at ``level``) holding ``body``; added at the
  // end when the text has no such section
  function withSection(text, title, level, body) {
    var lines = text.split("\n");
    var fenced = false;
    var start = -1;
    var end = lines.length;
    for (var i = 0; i < lines.length; i++) {
      if (/^\s*(```|~~~)/.test(lines[i])) fenced = !fenced;
      if (fenced) continue;
      var found = heading(lines[i]);
      if (!found) continue;
      if (start === -1 && found[0] === level && found[1].toLowerCase() === title.toLowerCase()) {
        start = i;
      } else if (start !== -1 && found[0] <= level) {
        end = i;
        break;
      }
    }
    var section = ["#".repeat(level) + " " + title, "", body.replace(/\s+$/, ""), ""];
    if (start === -1) {
      return text.replace(/\s*$/, "") + "\n\n" + section.join("\n");
    }
    return lines.slice(0, start).concat(section, lines.slice(end)).join("\n");
  }

  document.addEventListener("htmx:afterSettle", function () {
    var area = editor();
    document.querySelectorAll("pre.synced-section[data-fresh]").forEach(function (fresh) {
      fresh.removeAttribute("data-fresh");
      if (!area) return;
      var title = fresh.getAttribute("data-heading");
      var level = parseInt(fresh.getAttribute("data-level"), 10) || 2;
      if (!title) return;
      area.value = withSection(area.value, title, level, fresh.textContent);
      refresh(area);
    });
  });
})();
