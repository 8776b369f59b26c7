/* TikJoy affiliate tag v1. On every page of the shop:
     <script src=".../embed/v1/affiliates.js" data-key="tj_pk_..." async></script>
   and on the thank-you page, the same tag with the order:
     <script src=".../embed/v1/affiliates.js" data-key="tj_pk_..." data-order-id="A-1001" data-amount="64.00"
             data-currency="EUR" async></script>
   No third-party code, no cookie of TikJoy's: the click id the visitor landed with (?tj_click=...) is kept in the
   shop's own storage, and the order is reported once, without credentials. The tag marks itself with
   data-tikjoy-status (stored, sent, recorded, ignored, refused, failed). */
(function () {
  "use strict";
  var TIKJOY = "{{ origin|escapejs }}";
  var STORE = "tikjoy.affiliate.click";
  var KEEP_MS = 90 * 24 * 3600 * 1000; // the longest attribution window; TikJoy checks the program's own
  var script = document.currentScript;
  if (!script) return;
  var key = script.getAttribute("data-key") || "";
  if (key.indexOf("tj_pk_") !== 0) {
    if (window.console) console.warn("TikJoy affiliate tag: data-key must be a publishable key (tj_pk_...)");
    return;
  }
  function mark(status) { script.setAttribute("data-tikjoy-status", status); }
  function read() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(STORE) || "null");
      if (kept && typeof kept.id === "string" && Date.now() - kept.at < KEEP_MS) return kept.id;
    } catch (e) { /* storage refused: no attribution from this browser */ }
    return "";
  }
  var landed = new URLSearchParams(window.location.search).get("tj_click");
  if (landed && /^[A-Za-z0-9]{1,32}$/.test(landed)) {
    try {
      window.localStorage.setItem(STORE, JSON.stringify({ id: landed, at: Date.now() }));
      mark("stored");
    } catch (e) { /* private mode without storage */ }
  }
  var order = script.getAttribute("data-order-id");
  if (!order) return;
  var click = read();
  if (!click) { mark("ignored"); return; }
  var sentKey = "tikjoy.affiliate.sent." + order;
  try { if (window.localStorage.getItem(sentKey)) { mark("recorded"); return; } } catch (e) { /* go on */ }
  var body = JSON.stringify({
    key: key,
    click_id: click,
    order_id: order,
    amount: script.getAttribute("data-amount") || "0",
    currency: script.getAttribute("data-currency") || "",
    event_type: script.getAttribute("data-event-type") || "sale"
  });
  mark("sent");
  // text/plain keeps it a simple request (no preflight); TikJoy answers with CORS for the program's domains only.
  fetch(TIKJOY + "/embed/v1/conversion", {
    method: "POST", mode: "cors", credentials: "omit", keepalive: true,
    headers: { "Content-Type": "text/plain" }, body: body
  }).then(function (response) {
    return response.json().then(function (answer) {
      if (response.status === 201 || response.status === 409) {
        try { window.localStorage.setItem(sentKey, "1"); } catch (e) { /* reported anyway */ }
      }
      mark(response.status === 201 ? "recorded" : (answer.status === "ignored" ? "ignored" : "refused"));
    });
  }).catch(function () { mark("failed"); });
})();
