// Help pages: filter the questions as the person types (the search box also works without this,
// by submitting the form to the server). Words are matched without case and accents, all of them.
(function () {
  "use strict";
  var input = document.querySelector("[data-help-filter]");
  if (!input) { return; }
  var entries = Array.prototype.slice.call(document.querySelectorAll("[data-help-entry]"));
  var none = document.querySelector("[data-help-none]");
  var fold = function (text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  };
  // The search words people use for an entry (data-help-words, never shown) count as its text too.
  var texts = entries.map(function (entry) {
    return fold(entry.textContent + " " + (entry.getAttribute("data-help-words") || ""));
  });
  var filter = function () {
    var words = fold(input.value).split(/\s+/).filter(Boolean).slice(0, 10);
    var shown = 0;
    entries.forEach(function (entry, i) {
      var match = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
      entry.hidden = !match;
      if (match) { shown += 1; }
    });
    if (none) { none.hidden = shown !== 0; }
  };
  input.addEventListener("input", filter);
  if (input.value) { filter(); }  // typed before this script ran (a slow connection)
})();
