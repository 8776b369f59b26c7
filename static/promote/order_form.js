// The Promote order form (a consumer's and the console's): the country list offers only the countries
// where the chosen kind is launched (each option names its kinds in data-kinds); a country chosen for
// another kind is cleared. Without this script every launched country is listed and the form says,
// when sent, which ones the kind is launched in.
(function () {
  "use strict";
  var country = document.getElementById("id_country");
  var kind = document.getElementById("id_kind");
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
  kind.addEventListener("change", offer);
  offer();
})();
