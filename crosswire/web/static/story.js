// crosswire story page: click cards on statement spans (hover titles come from the server), claim cells that highlight their spans.
// Pages read fine without this file; it only adds convenience. Text is set with textContent only.
(function () {
  "use strict";
  var dataNode = document.getElementById("statement-data");
  var statements = dataNode ? JSON.parse(dataNode.textContent) : {};
  var card = document.getElementById("statement-card");

  function showCard(id) {
    var s = statements[id];
    if (!s || !card) return;
    card.textContent = "";
    var list = document.createElement("dl");
    [["speaker", s.speaker], ["outlet", s.outlet], ["cue", s.cue || "—"],
     ["stance", s.stance || "—"], ["kind", s.kind],
     ["span", s.content.start + ":" + s.content.end]].forEach(function (pair) {
      var dt = document.createElement("dt"); dt.textContent = pair[0];
      var dd = document.createElement("dd"); dd.textContent = pair[1];
      list.appendChild(dt); list.appendChild(dd);
    });
    card.appendChild(list);
    var link = document.createElement("a");
    link.href = "#s-" + id; link.textContent = "statement row";
    card.appendChild(link);
    card.style.borderLeftColor = "var(--sp" + s.colour + ")";
    card.hidden = false;
  }

  document.querySelectorAll(".article-text [data-statement]").forEach(function (span) {
    span.addEventListener("click", function () {
      document.querySelectorAll(".article-text .picked").forEach(function (el) { el.classList.remove("picked"); });
      document.querySelectorAll('.article-text [data-statement="' + CSS.escape(span.dataset.statement) + '"]')
        .forEach(function (el) { el.classList.add("picked"); });
      showCard(span.dataset.statement);
    });
  });

  function spansWithin(articleId, start, end) {
    var article = document.getElementById("a-" + articleId);
    if (!article) return [];
    return Array.prototype.filter.call(article.querySelectorAll(".article-text [data-span]"), function (el) {
      var bounds = el.dataset.span.split(":").map(Number);
      return bounds[0] >= start && bounds[1] <= end;
    });
  }

  document.querySelectorAll(".matrix a[data-spans]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.querySelectorAll(".article-text .hl").forEach(function (el) { el.classList.remove("hl"); });
      document.querySelectorAll(".matrix .selected").forEach(function (el) { el.classList.remove("selected"); });
      link.parentElement.classList.add("selected");
      var found = [];
      link.dataset.spans.trim().split(/\s+/).forEach(function (range) {
        var parts = range.split(":");
        found = found.concat(spansWithin(parts[0], Number(parts[1]), Number(parts[2])));
      });
      found.forEach(function (el) { el.classList.add("hl"); });
      if (found.length) {
        found[0].scrollIntoView({ behavior: "smooth", block: "center" });
        showCard(found[0].dataset.statement);
      }
    });
  });
})();
