/* The widget's frame: tells the host page it is ready (and its height) or wants to close, to the
   host's allow-listed origin only; accepts nothing it did not expect. */
(function () {
  "use strict";
  var PREFIX = "tikjoy.widget.v1.";
  var parentOrigin = document.documentElement.getAttribute("data-parent-origin");
  if (!parentOrigin || window.parent === window) return;
  function send(name, extra) {
    var message = { type: PREFIX + name };
    for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) message[k] = extra[k];
    window.parent.postMessage(message, parentOrigin);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) return;
    var data = event.data;
    if (data && data.type === PREFIX + "ping") send("ready", { height: document.body.scrollHeight });
  });
  // The texts it shows come from the frame's page (data-text-*), already in the frame's language.
  // "Show my balance here": the shop's frame can't see TikJoy's session (another site's frame), so
  // it opens TikJoy in a window of its own with a random nonce, where the person agrees; the frame
  // polls with the nonce and, once agreed, gets a cookie of its own (partitioned to this shop).
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", body: body, credentials: "include" }).then(function (r) {
      return r.json().then(function (data) { data.httpStatus = r.status; return data; });
    });
  }
  var connect = document.querySelector("[data-connect]");
  if (connect && window.crypto && window.fetch) {
    connect.parentNode.hidden = false;
    var status = document.querySelector("[data-connect-status]");
    connect.addEventListener("click", function () {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      var nonce = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      var fields = { key: connect.getAttribute("data-key"), origin: parentOrigin, n: nonce,
        lang: document.documentElement.lang || "" };
      window.open(connect.getAttribute("data-connect") + "?" + new URLSearchParams(fields), "_blank", "noopener");
      status.textContent = " " + connect.getAttribute("data-text-waiting");
      var tries = 0;
      (function poll() {
        if (++tries > 300) { status.textContent = " " + connect.getAttribute("data-text-too-long"); return; }
        post(connect.getAttribute("data-pass"), fields).then(function (data) {
          if (data.status === "ok") window.location.reload();
          else if (data.status === "waiting") window.setTimeout(poll, 2000);
          else status.textContent = " " + (data.detail || connect.getAttribute("data-text-refused"));
        }, function () { window.setTimeout(poll, 4000); });
      })();
    });
  }
  var forget = document.querySelector("[data-forget]");
  if (forget && window.fetch) {
    forget.addEventListener("click", function () {
      post(forget.getAttribute("data-forget"), {}).then(function () { window.location.reload(); });
    });
  }
  var closer = document.querySelector("[data-close]");
  if (closer) closer.addEventListener("click", function () { send("close", {}); });
  send("ready", { height: document.body.scrollHeight + 24 });
})();
