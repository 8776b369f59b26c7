/* TikJoy website widget v1. <script src=".../embed/v1/widget.js" data-key="tj_pk_..." async></script>
   Language: data-lang="de" on the tag, else the visitor's browser, else the page's <html lang> (docs/api.md).
   No third-party code. Messages with the frame: {type: "tikjoy.widget.v1.<name>"}, checked by origin and source.
   The host page receives no personal data: only "ready" (with a height) and "close". */
(function () {
  "use strict";
  var TIKJOY = "{{ origin|escapejs }}";
  var PREFIX = "tikjoy.widget.v1.";
  var script = document.currentScript;
  var key = script && script.getAttribute("data-key");
  if (!key || key.indexOf("tj_pk_") !== 0) {
    if (window.console) console.warn("TikJoy widget: data-key must be a publishable key (tj_pk_...)");
    return;
  }
  // The frame's language: the merchant's data-lang, else the visitor's (the frame's request carries
  // the browser's Accept-Language), else the shop page's lang.
  var lang = (script.getAttribute("data-lang") || "").slice(0, 35);
  var pageLang = (document.documentElement.lang || "").slice(0, 35);
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.textContent = script.getAttribute("data-label") || "JoyBack";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("data-tikjoy", "launcher");
  var s = launcher.style;
  s.position = "fixed"; s.right = "16px"; s.bottom = "16px"; s.zIndex = "2147483646";
  s.padding = "12px 18px"; s.border = "0"; s.borderRadius = "24px"; s.font = "600 15px system-ui, sans-serif";
  s.background = "#111"; s.color = "#fff"; s.cursor = "pointer";
  var frame = null;

  function close() {
    if (frame) { frame.parentNode.removeChild(frame); frame = null; }
    launcher.setAttribute("aria-expanded", "false");
  }

  function open() {
    if (frame) { close(); return; }
    frame = document.createElement("iframe");
    frame.title = "TikJoy";
    frame.setAttribute("data-tikjoy", "frame");
    frame.setAttribute("data-state", "loading");
    frame.src = TIKJOY + "/embed/v1/frame?key=" + encodeURIComponent(key) +
      "&origin=" + encodeURIComponent(window.location.origin) +
      (lang ? "&lang=" + encodeURIComponent(lang) : "") +
      (pageLang ? "&page_lang=" + encodeURIComponent(pageLang) : "");
    var f = frame.style;
    f.position = "fixed"; f.right = "16px"; f.bottom = "72px"; f.zIndex = "2147483647";
    f.width = "360px"; f.maxWidth = "calc(100vw - 32px)"; f.height = "480px"; f.border = "0";
    f.borderRadius = "12px"; f.boxShadow = "0 8px 32px rgba(0,0,0,.25)"; f.background = "#fff";
    document.body.appendChild(frame);
    launcher.setAttribute("aria-expanded", "true");
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== TIKJOY || !frame || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data.type !== "string" || data.type.indexOf(PREFIX) !== 0) return;
    var name = data.type.slice(PREFIX.length);
    if (name === "ready") {
      frame.setAttribute("data-state", "ready");
      var height = Number(data.height);
      if (height > 0 && height < 2000) frame.style.height = Math.round(height) + "px";
    } else if (name === "close") {
      close();
    }
  });

  launcher.addEventListener("click", open);
  function mount() { document.body.appendChild(launcher); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
