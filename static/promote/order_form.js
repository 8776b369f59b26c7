// The Promote order form (a consumer's and the console's):
// - the country list offers only the countries where the chosen kind is launched (each option names
//   its kinds in data-kinds); a country chosen for another kind is cleared;
// - while "Automatic audience" is ticked, the country and the ages are hidden and set back to none and
//   18 to 65 (an automatic audience has neither; the form refuses them with it, so nothing chosen is
//   dropped unseen).
// Without this script every launched country is listed and the form says, when sent, what is wrong.
(function () {
  "use strict";
  var country = document.getElementById("id_country");
  var kind = document.getElementById("id_kind");
  var automatic = document.getElementById("id_audience_automatic");
  var ageMin = document.getElementById("id_age_min");
  var ageMax = document.getElementById("id_age_max");
  if (!country || !kind) {
    return;
  }
  function offer() {
    Array.prototype.forEach.call(country.options, function (option) {
      var kinds = option.getAttribute("data-kinds");
      var launched = kinds === null || kinds.split(" ").indexOf(kind.value) !== -1;
      option.hidden = !launched;
      option.disabled = !launched;
      if (!launched && option.selected) {
        country.value = "";
      }
    });
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
  kind.addEventListener("change", offer);
  if (automatic) {
    automatic.addEventListener("change", audience);
  }
  offer();
  audience();
})();
