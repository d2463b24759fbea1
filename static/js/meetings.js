// The 1:1 page (templates/conversations/meetings/page.html). No inline scripts (the CSP forbids them).
// Shared and private notes save themselves through htmx (the forms' hx-post). This file lets htmx show the
// 400/409 answers and stops saving a form after a stale save: what was typed stays on the page.
(function () {
  "use strict";
  document.querySelectorAll("form[data-meeting-notes]").forEach(function (form) {
    form.addEventListener("htmx:beforeSwap", function (event) {
      var code = event.detail.xhr.status;
      if (code === 400 || code === 409) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (form.dataset.stale === "1") { event.preventDefault(); }
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.xhr && event.detail.xhr.status === 409) {
        form.dataset.stale = "1";
        form.removeAttribute("hx-post");
      }
    });
  });
})();
