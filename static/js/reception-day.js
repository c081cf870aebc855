/* The reception day's visit form, made for logging visits from the keyboard while people wait. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  // The answer box only when "answered on the spot" is ticked, so Tab skips it otherwise.
  var answered = form.querySelector("[name=answered_on_spot]");
  var answerBox = document.getElementById("spot-answer-box");
  function toggleAnswer() { answerBox.classList.toggle("d-none", !answered.checked); }
  answered.addEventListener("change", toggleAnswer);
  toggleAnswer();
  // One suggestion row at first; more on demand, so Tab does not wander through empty rows.
  var rows = Array.prototype.slice.call(form.querySelectorAll(".suggestion-row"));
  var addButton = document.getElementById("add-suggestion");
  function isEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input, textarea, select"), function (el) { return !el.value; });
  }
  function syncAddButton() {
    addButton.classList.toggle("d-none", rows.every(function (row) { return !row.classList.contains("d-none"); }));
  }
  rows.slice(1).forEach(function (row) {
    if (isEmpty(row) && !row.querySelector(".is-invalid")) { row.classList.add("d-none"); }
  });
  addButton.addEventListener("click", function () {
    var next = rows.filter(function (row) { return row.classList.contains("d-none"); })[0];
    if (next) { next.classList.remove("d-none"); next.querySelector("input").focus(); }
    syncAddButton();
  });
  syncAddButton();
  // Enter in a one-line field submits by itself; Ctrl+Enter does it from a text box.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  var saving = false;
  form.addEventListener("submit", function (event) {
    if (saving) { event.preventDefault(); return; }
    saving = true;
  });
  // After a refused save, the cursor goes to the first field to fix.
  var invalid = form.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
})();
