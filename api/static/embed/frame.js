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
  var closer = document.querySelector("[data-close]");
  if (closer) closer.addEventListener("click", function () { send("close", {}); });
  send("ready", { height: document.body.scrollHeight + 24 });
})();
