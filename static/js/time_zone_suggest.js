// /me/: offer the device's time zone as a suggestion next to the time-zone choice. Nothing is
// chosen or saved until the person presses "Use it" and then "Save".
(function () {
  var select = document.getElementById("id_time_zone");
  var hint = document.querySelector("[data-time-zone-suggestion]");
  if (!select || !hint || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || select.value === zone || !select.querySelector('option[value="' + zone + '"]')) { return; }
  hint.querySelector("[data-zone]").textContent = zone;
  hint.hidden = false;
  hint.querySelector("button").addEventListener("click", function () {
    select.value = zone;
    hint.hidden = true;
    select.focus();
  });
})();
