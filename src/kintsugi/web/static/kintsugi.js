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
