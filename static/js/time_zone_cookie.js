// Tells the server the browser's time zone (an IANA name such as Europe/Berlin) in the tikjoy_tz
// cookie, so that times are shown in it when the person chose no time zone on /me/ (the server
// checks the name against the zones it knows and ignores anything else: accounts/middleware.py).
(function () {
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) { return; }
  var current = document.cookie.match(/(?:^|;\s*)tikjoy_tz=([^;]*)/);
  if (current && current[1] === zone) { return; }
  // Written as is (the test above allows only characters a cookie value may hold): the server reads
  // cookie values without URL-decoding them.
  document.cookie = "tikjoy_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
    (window.location.protocol === "https:" ? "; Secure" : "");
})();
