/* The few behaviours every page shares, declared in the templates by data attributes, so that no page
   needs inline script (the Content-Security-Policy forbids it):
     data-print                   a button that prints the page;
     data-submit-on-change        a select that sends its form once a choice is made (language, period);
     data-confirm="question"      a submit button that asks first and sends nothing if the answer is no. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-confirm]");
    if (!target) { return; }
    if (target.hasAttribute("data-print")) {
      window.print();
    } else if (!window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-submit-on-change]");
    if (select && select.form) { select.form.submit(); }
  });
})();
