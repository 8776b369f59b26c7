// Console Promote coupons: as the merchant types in "Find the consumer", ask the page's JSON search
// (the merchant's consenting consumers, by what they shared) and offer what it finds in the form's
// "For" list. Without this script the search form reloads the page with the same results.
(function () {
  "use strict";
  var timer = null;
  var asked = 0;

  function option(value, text) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  }

  function search(input) {
    var select = document.getElementById(input.getAttribute("data-select"));
    var status = document.getElementById(input.getAttribute("data-status"));
    var term = input.value.trim();
    var mine = ++asked;
    fetch(input.getAttribute("data-url") + "?" + new URLSearchParams({ q: term }).toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        if (mine !== asked || !select) return; // an older answer than the last question
        var chosen = select.value;
        var first = select.options.length ? select.options[0].cloneNode(true) : option("", "");
        select.replaceChildren(first);
        body.results.forEach(function (person) {
          select.appendChild(option(String(person.id), person.text));
        });
        if (chosen && select.querySelector('option[value="' + CSS.escape(chosen) + '"]')) select.value = chosen;
        else if (body.results.length === 1) select.value = String(body.results[0].id);
        else select.value = "";
        var hidden = document.querySelector('form[method="post"] input[name="q"]');
        if (hidden) hidden.value = term;
        if (status) {
          if (!body.results.length && term) status.textContent = status.getAttribute("data-none");
          else if (body.more) status.textContent = status.getAttribute("data-more");
          else status.textContent = "";
        }
      })
      .catch(function () { /* offline or signed out: the search button still works */ });
  }

  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("input[data-consumer-search]")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { search(event.target); }, 250);
  });
})();
