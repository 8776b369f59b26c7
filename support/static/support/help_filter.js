// Help pages: rank the answers as the person types, the way the server does (support/help_search.py;
// the search box also works without this, by submitting the form). An answer is shown when it holds
// any of the question's meaningful words (the page's language's stop words, data-help-stop, left
// out; case and accents ignored; a word found by its stem), the ones holding the most first, then
// by where and how they hold them: in the question above in the answer, the word itself above a
// longer word it starts (help_search.QUESTION_WORD ... ANSWER_PREFIX).
(function () {
  "use strict";
  var input = document.querySelector("[data-help-filter]");
  if (!input) { return; }
  var entries = Array.prototype.slice.call(document.querySelectorAll("[data-help-entry]"));
  var list = entries.length ? entries[0].parentNode : null;
  var none = document.querySelector("[data-help-none]");
  var stops = {};
  (input.getAttribute("data-help-stop") || "").split(" ").forEach(function (w) { if (w) { stops[w] = true; } });
  var fold = function (text) {
    return text.toLowerCase().replace(/ß/g, "ss").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  };
  var wordsOf = function (text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  };
  var stem = function (word) {
    if (word.length <= 4) { return word; }
    return word.length <= 7 ? word.slice(0, -1) : word.slice(0, -2);
  };
  // The question, and everything else the entry says: its answer, its links, its search words
  // (data-help-words, never shown).
  var docs = entries.map(function (entry) {
    var question = entry.querySelector(".help-entry__question");
    var title = wordsOf(question ? question.textContent : "");
    return { title: title, text: wordsOf(entry.textContent + " " + (entry.getAttribute("data-help-words") || "")) };
  });
  var holds = function (words, term) {
    return words.some(function (w) { return w.indexOf(term) === 0; });
  };
  var weight = function (doc, word) {
    var term = stem(word);
    if (doc.title.indexOf(word) !== -1) { return 4; }
    if (holds(doc.title, term)) { return 3; }
    if (doc.text.indexOf(word) !== -1) { return 2; }
    return holds(doc.text, term) ? 1 : 0;
  };
  var termsOf = function (query) {
    var words = wordsOf(query).slice(0, 30);
    var meaningful = words.filter(function (w) { return !stops[w]; });  // none: every answer is shown
    var stems = [], terms = [];
    meaningful.forEach(function (w) {
      var t = stem(w);
      if (stems.indexOf(t) === -1) { stems.push(t); terms.push(w); }
    });
    return terms.slice(0, 10);
  };
  var filter = function () {
    var terms = termsOf(input.value);
    var scored = entries.map(function (entry, i) {
      var found = 0, weights = 0;
      terms.forEach(function (word) {
        var w = weight(docs[i], word);
        if (w) { found += 1; weights += w; }
      });
      return { entry: entry, found: terms.length ? found : 1, weights: weights, index: i };
    });
    scored.sort(function (a, b) { return (b.found - a.found) || (b.weights - a.weights) || (a.index - b.index); });
    var shown = 0;
    scored.forEach(function (s) {
      s.entry.hidden = s.found === 0;
      if (!s.entry.hidden) { shown += 1; }
      if (list) { list.appendChild(s.entry); }  // the best first; every entry back in its order when cleared
    });
    if (none) { none.hidden = shown !== 0; }
  };
  input.addEventListener("input", filter);
  if (input.value) { filter(); }  // typed before this script ran (a slow connection)
})();
