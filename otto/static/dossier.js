// The dossier page's live section: refreshed from the server every 10 seconds while the
// page is visible, so answers and findings appear as devices sync. Progressive: without
// JavaScript the page is complete and a reload shows the same. The refresh waits while
// the user is working inside the section (focus in a field), so typing is never lost.
(function () {
  "use strict";
  var INTERVAL_MS = 10000;
  var section = document.querySelector("[data-live-url]");
  if (!section || !window.fetch) {
    return;
  }
  var status = document.getElementById("live-status");

  function busy() {
    var active = document.activeElement;
    return active && active !== document.body && section.contains(active) &&
      /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function refresh() {
    if (document.hidden || busy()) {
      return;
    }
    fetch(section.getAttribute("data-live-url"), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      // A redirect to the login page or an error page is not the dossier: keep what we have.
      if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) {
        throw new Error("not the dossier");
      }
      return response.text();
    }).then(function (html) {
      if (!busy()) {
        section.innerHTML = html;
        if (status) {
          status.textContent = "Uppdaterad " + new Date().toLocaleTimeString("sv-SE");
        }
      }
    }).catch(function () {
      if (status) {
        status.textContent = "Kunde inte uppdatera just nu – försöker igen.";
      }
    });
  }

  window.setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
})();
