// Console rule editor: as the merchant types, ask the server what the example post costs and pays.
// Each reward rule's "Example post" output carries the JSON endpoint's URL (same origin; CSP-safe).
(function () {
  "use strict";
  var FIELDS = ["action", "amount", "per_1000_views", "per_like", "per_comment", "per_share", "max_per_post"];
  // The campaign's own fields on the same page: the multipliers for new and returning customers and the
  // maximum per reward change what an action costs.
  var CAMPAIGN_FIELDS = ["new_user_multiplier", "returning_user_multiplier", "max_reward"];
  var timers = new WeakMap();

  function valueOf(container, name) {
    var input = container.querySelector('[name$="-' + name + '"]');
    return input ? input.value.trim() : "";
  }

  function refresh(container) {
    var output = container.querySelector("output.rule-quote");
    if (!output) return;
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var value = valueOf(container, name);
      if (value !== "") params.set(name, value);
    });
    CAMPAIGN_FIELDS.forEach(function (name) {
      var input = document.querySelector('[name="' + name + '"]');
      if (input && input.value.trim() !== "") params.set(name, input.value.trim());
    });
    fetch(output.getAttribute("data-quote-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        if (result[0]) {
          output.textContent = result[1].text;
          output.classList.remove("rule-quote--error");
        } else {
          // The server's words, in the reader's language: the refused box by its label and why.
          output.textContent = result[1].message || output.getAttribute("data-quote-failed");
          output.classList.add("rule-quote--error");
        }
      })
      .catch(function () { /* offline: keep the last quote */ });
  }

  function schedule(container) {
    clearTimeout(timers.get(container));
    timers.set(container, setTimeout(function () { refresh(container); }, 250));
  }

  function onEdit(event) {
    if (event.target.name && CAMPAIGN_FIELDS.indexOf(event.target.name) !== -1) {
      document.querySelectorAll(".inline-related").forEach(function (each) {
        if (each.querySelector("output.rule-quote") && valueOf(each, "amount") !== "") schedule(each);
      });
      return;
    }
    var container = event.target.closest(".inline-related");
    if (container && container.querySelector("output.rule-quote")) schedule(container);
  }

  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-related").forEach(function (container) {
      if (container.querySelector("output.rule-quote") && valueOf(container, "amount") !== "") refresh(container);
    });
  });
})();
