// The planning form's live warnings: as the date, times or inspectors change, ask the server
// (/planering/varningar) whether an inspector is already booked or the business had another
// visit close by, and show its answer above the save button, before anything is saved.
// Progressive: without JavaScript the same warnings are shown after saving.
(function () {
  "use strict";
  var form = document.querySelector("form[data-warnings-url]");
  var box = document.getElementById("planning-warnings");
  if (!form || !box || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var asked = 0;

  function query() {
    var params = new URLSearchParams();
    ["date", "start", "end"].forEach(function (name) {
      params.set(name, form.elements[name] ? form.elements[name].value : "");
    });
    form.querySelectorAll("input[name=inspector]:checked").forEach(function (box) {
      params.append("inspector", box.value);
    });
    return params;
  }

  function show(texts) {
    box.textContent = "";
    texts.forEach(function (text) {
      var line = document.createElement("p");
      line.className = "flash flash-warning";
      line.textContent = text;
      box.appendChild(line);
    });
  }

  function check() {
    var params = query();
    if (!params.get("date") || !params.get("start") || !params.get("end")) {
      show([]);
      return;
    }
    var url = form.getAttribute("data-warnings-url");
    var mine = ++asked;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") !== 0) {
        throw new Error("no warnings");
      }
      return response.json();
    }).then(function (body) {
      if (mine === asked) {  // an older answer arriving late never replaces a newer one
        show(body.warnings || []);
      }
    }).catch(function () {
      if (mine === asked) {
        show([]);
      }
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  check();
})();
