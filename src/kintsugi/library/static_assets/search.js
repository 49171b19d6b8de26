// Client-side search of a static Kintsugi library (written for Kintsugi; no dependencies).
// Query language: words (all must match), "a phrase", prefix*, -excluded, and OR between groups.
(function () {
  "use strict";
  var MAX_RESULTS = 50;
  var library = (window.KINTSUGI_LIBRARY || { documents: [] }).documents;

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  var docs = library.map(function (d) {
    return {
      doc: d,
      title: fold(d.title),
      labels: fold((d.tags || []).concat(d.services || []).join(" ") + " " + d.id),
      summary: fold(d.summary),
      text: fold(d.text),
    };
  });

  // One term as a regular expression over folded text.
  function termPattern(words, prefix) {
    var parts = words.map(escapeRegExp);
    var last = parts.length - 1;
    parts[last] += prefix ? "\\w*" : "(?:s|es|ed|d|ing)?";
    return new RegExp("\\b" + parts.join("\\W+") + "\\b", "g");
  }

  function parse(query) {
    var groups = [];
    var current = { include: [], exclude: [] };
    var re = /(-?)"([^"]*)"?(\*?)|(\S+)/g;
    var match;
    while ((match = re.exec(query)) !== null) {
      var negated = false;
      var raw;
      var prefix = false;
      if (match[4] !== undefined) {
        raw = match[4];
        if (raw === "OR") {
          groups.push(current);
          current = { include: [], exclude: [] };
          continue;
        }
        if (raw === "AND") continue;
        if (raw.charAt(0) === "-" && raw.length > 1) {
          negated = true;
          raw = raw.slice(1);
        }
        prefix = raw.slice(-1) === "*";
      } else {
        negated = match[1] === "-";
        raw = match[2];
        prefix = match[3] === "*";
      }
      var words = fold(raw).match(/[\p{L}\p{N}]+/gu);
      if (!words) continue;
      var pattern = termPattern(words, prefix);
      (negated ? current.exclude : current.include).push(pattern);
    }
    groups.push(current);
    return groups.filter(function (g) {
      return g.include.length > 0;
    });
  }

  function count(pattern, text) {
    pattern.lastIndex = 0;
    var n = 0;
    while (pattern.exec(text) !== null && n < 5) n++;
    return n;
  }

  function scoreGroup(group, d) {
    var total = 0;
    for (var i = 0; i < group.exclude.length; i++) {
      var ex = group.exclude[i];
      if (count(ex, d.title) || count(ex, d.labels) || count(ex, d.summary) || count(ex, d.text)) {
        return 0;
      }
    }
    for (var j = 0; j < group.include.length; j++) {
      var p = group.include[j];
      var s = 5 * count(p, d.title) + 3 * count(p, d.labels) + 2 * count(p, d.summary) + count(p, d.text);
      if (s === 0) return 0;
      total += s;
    }
    return total;
  }

  function search(query) {
    var groups = parse(query);
    if (!groups.length) return null;
    var found = [];
    docs.forEach(function (d) {
      var best = 0;
      groups.forEach(function (g) {
        best = Math.max(best, scoreGroup(g, d));
      });
      if (best > 0) found.push({ entry: d, score: best, groups: groups });
    });
    found.sort(function (a, b) {
      return b.score - a.score || (b.entry.doc.date || "").localeCompare(a.entry.doc.date || "");
    });
    return found;
  }

  // A snippet around the first match, as DOM nodes (text is never parsed as HTML).
  function snippet(result) {
    var original = result.entry.doc.summary + " " + result.entry.doc.text;
    var folded = fold(original);
    var patterns = [];
    result.groups.forEach(function (g) {
      patterns = patterns.concat(g.include);
    });
    var first = -1;
    patterns.forEach(function (p) {
      p.lastIndex = 0;
      var m = p.exec(folded);
      if (m && (first < 0 || m.index < first)) first = m.index;
    });
    var start = Math.max(0, first - 80);
    var end = Math.min(original.length, (first < 0 ? 0 : first) + 160);
    var slice = folded.length === original.length ? [start, end] : [0, Math.min(240, original.length)];
    var text = original.slice(slice[0], slice[1]);
    var foldedText = folded.length === original.length ? folded.slice(slice[0], slice[1]) : fold(text);
    var marks = [];
    patterns.forEach(function (p) {
      p.lastIndex = 0;
      var m;
      while ((m = p.exec(foldedText)) !== null) {
        if (m[0].length === 0) break;
        marks.push([m.index, m.index + m[0].length]);
      }
    });
    marks.sort(function (a, b) {
      return a[0] - b[0];
    });
    var p = document.createElement("p");
    p.className = "snippet";
    var at = 0;
    if (slice[0] > 0) p.appendChild(document.createTextNode("… "));
    marks.forEach(function (range) {
      if (range[0] < at || foldedText.length !== text.length) return;
      p.appendChild(document.createTextNode(text.slice(at, range[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(range[0], range[1]);
      p.appendChild(mark);
      at = range[1];
    });
    p.appendChild(document.createTextNode(text.slice(at) + (slice[1] < original.length ? " …" : "")));
    return p;
  }

  function render(results, list, counter, browse) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (results === null) {
      counter.textContent = "";
      browse.hidden = false;
      return;
    }
    browse.hidden = true;
    counter.textContent =
      results.length + " post-mortem" + (results.length === 1 ? "" : "s") +
      (results.length > MAX_RESULTS ? " (showing " + MAX_RESULTS + ")" : "");
    results.slice(0, MAX_RESULTS).forEach(function (r) {
      var d = r.entry.doc;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = d.url;
      a.textContent = d.title;
      li.appendChild(a);
      if (d.severity) {
        var sev = document.createElement("span");
        sev.className = "sev";
        sev.textContent = d.severity;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(sev);
      }
      var when = document.createElement("span");
      when.className = "date";
      when.textContent = d.date || "undated";
      li.appendChild(document.createTextNode(" "));
      li.appendChild(when);
      (d.tags || []).forEach(function (t) {
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = t;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(tag);
      });
      li.appendChild(snippet(r));
      list.appendChild(li);
    });
  }

  function start() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    var counter = document.getElementById("search-count");
    var browse = document.getElementById("browse");
    var form = document.getElementById("search-form");
    if (!input || !list || !counter || !browse) return;
    var timer = null;
    function run() {
      var q = input.value.trim();
      render(q ? search(q) || [] : null, list, counter, browse);
      if (history.replaceState) {
        history.replaceState(null, "", q ? "#q=" + encodeURIComponent(q) : location.pathname);
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        run();
      });
    }
    var initial = /^#q=(.*)$/.exec(location.hash);
    if (initial) {
      input.value = decodeURIComponent(initial[1]);
      run();
    }
  }

  window.KintsugiLibrarySearch = { search: search, parse: parse };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
