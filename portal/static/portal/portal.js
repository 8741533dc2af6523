// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Escape closes an open tenant selector and returns focus to it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[open]").forEach(function (details) {
      details.removeAttribute("open");
      var summary = details.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();
