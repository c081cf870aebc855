/* Polls an export job and moves its progress bar until the file is ready. */
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  // The width is set here rather than in a style="" attribute, which the Content-Security-Policy refuses.
  bar.style.width = document.getElementById("export-progress").getAttribute("aria-valuenow") + "%";
  function tick() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.style.width = job.percent + "%";
        bar.textContent = job.percent + "%";
        document.getElementById("export-progress").setAttribute("aria-valuenow", job.percent);
        document.getElementById("export-label").textContent = job.label;
        document.getElementById("export-count").textContent = job.done + " / " + job.total;
        if (job.status === "done") {
          bar.classList.remove("progress-bar-animated", "progress-bar-striped");
          bar.classList.add("bg-success");
          if (job.download) { document.getElementById("export-ready").hidden = false; }
        } else if (job.status === "failed") {
          bar.classList.remove("progress-bar-animated");
          document.getElementById("export-failed").hidden = false;
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  tick();
})();
