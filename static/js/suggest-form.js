/* The citizen's form: warns about too many or too large files before the phone sends them, and keeps a
   double tap from sending twice. Loaded by that page only. */
(function () {
  // Progressive help only: the server checks everything again.
  var form = document.getElementById("suggest-form");
  var button = document.getElementById("submit-suggestion");
  var files = document.getElementById("id_attachments");
  var warning = document.getElementById("files-warning");
  var label = button.innerHTML;
  var maxFiles = parseInt(form.dataset.maxFiles, 10);
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var tooMany = warning.dataset.tooMany;
  var tooLarge = warning.dataset.tooLarge;
  function checkFiles() {
    var problem = "";
    if (files.files.length > maxFiles) {
      problem = tooMany;
    } else {
      for (var i = 0; i < files.files.length; i++) {
        if (files.files[i].size > maxBytes) { problem = tooLarge + " " + files.files[i].name; break; }
      }
    }
    warning.textContent = problem;
    warning.className = problem ? "alert alert-warning mb-3" : "mb-2";
    warning.hidden = !problem;
    return !problem;
  }
  files.addEventListener("change", checkFiles);
  form.addEventListener("submit", function (event) {
    if (!checkFiles()) { event.preventDefault(); files.focus(); return; }
    // Without photos the text goes as a plain form post: smaller on the phone's network and quicker for
    // the server to read than multipart, which stays for posts with files and for browsers without script.
    form.enctype = files.files.length ? "multipart/form-data" : "application/x-www-form-urlencoded";
    // One tap, one suggestion: the server also ignores a repeat with the same form key.
    button.disabled = true;
    button.textContent = button.dataset.sending;
  });
  // Coming back to this page from the browser's history re-enables the button.
  window.addEventListener("pageshow", function () { button.disabled = false; button.innerHTML = label; });
})();
