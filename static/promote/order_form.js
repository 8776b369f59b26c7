// The Promote order form (a consumer's and the console's) follows the chosen kind:
// - the country and goal lists offer only what the kind is launched in / offered for (each option
//   names its kinds in data-kinds); a country chosen for another kind is cleared, a goal moves to the
//   kind's first;
// - what to promote: a LIVE room for the kind LIVE, a video for the others (a "live:" value is a room);
// - while "Automatic audience" is ticked, the country and the ages are hidden and set back to none and
//   18 to 65 (an automatic audience has neither; the form refuses them with it, so nothing chosen is
//   dropped unseen).
// Without this script every option is listed and the form says, when sent, what doesn't fit.
(function () {
  "use strict";
  var byId = function (id) {
    return document.getElementById(id);
  };
  var kind = byId("id_kind");
  var country = byId("id_country");
  var goal = byId("id_goal");
  var content = byId("id_content");
  var automatic = byId("id_audience_automatic");
  var ageMin = byId("id_age_min");
  var ageMax = byId("id_age_max");
  if (!kind) {
    return;
  }
  function offer(select, fits, fallback) {
    if (!select) {
      return;
    }
    var firstFitting = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var ok = fits(option);
      option.hidden = !ok;
      option.disabled = !ok;
      if (ok && option.value && firstFitting === null) {
        firstFitting = option.value;
      }
    });
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.disabled) {
      select.value = fallback === "first" && firstFitting !== null ? firstFitting : "";
    }
  }
  function forKind(option) {
    var kinds = option.getAttribute("data-kinds");
    return kinds === null || kinds.split(" ").indexOf(kind.value) !== -1;
  }
  // The page's title says what is promoted ("Promote a LIVE" / "Promote a video" or "a post"),
  // when the form names both (data-title-live, data-title-other).
  var form = kind.form;
  var heading = document.querySelector("#content h1") || document.querySelector("main h1");
  function title() {
    var live = form && form.getAttribute("data-title-live");
    var other = form && form.getAttribute("data-title-other");
    if (!live || !other || !heading) {
      return;
    }
    var shown = heading.textContent;
    var wanted = kind.value === "LIVE" ? live : other;
    if (shown !== wanted) {
      heading.textContent = wanted;
      document.title = document.title.replace(shown, wanted);
    }
  }
  function followKind() {
    title();
    offer(country, forKind, "none");
    offer(goal, forKind, "first");
    offer(content, function (option) {
      return (option.value.indexOf("live:") === 0) === (kind.value === "LIVE");
    }, "first");
  }
  function audience() {
    if (!automatic) {
      return;
    }
    [country, ageMin, ageMax].forEach(function (field) {
      if (!field) {
        return;
      }
      var row = field.closest("p") || field.parentElement;
      row.hidden = automatic.checked;
      if (automatic.checked) {
        field.value = field.getAttribute("data-automatic") || "";
      }
    });
  }
  kind.addEventListener("change", followKind);
  if (automatic) {
    automatic.addEventListener("change", audience);
  }
  followKind();
  audience();
})();
