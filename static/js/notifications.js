// The bell's unread count comes on its own htmx request after the page, so no page pays a query for it.
(function () {
  "use strict";
  function load() {
    var slot = document.querySelector("[data-bell-url]");
    if (slot && window.htmx) {
      window.htmx.ajax("GET", slot.getAttribute("data-bell-url"), { target: slot, swap: "outerHTML" });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
