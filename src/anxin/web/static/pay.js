// Anxin payments pages: a visible countdown to a quote's expiry. The server decides whether a
// quote has expired; this only counts down, and says so when the time is up.
"use strict";

(function () {
  function countdown(node) {
    var left = parseInt(node.getAttribute("data-countdown"), 10);
    var template = node.textContent.replace(String(left), "{n}");
    var timer = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(timer);
        node.textContent = node.getAttribute("data-expired") || "";
        node.setAttribute("role", "status");
        return;
      }
      node.textContent = template.replace("{n}", String(left));
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(countdown);
  });
})();
