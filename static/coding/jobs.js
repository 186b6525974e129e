// Keeps each job's progress bar current by polling its JSON status until the job ends.
// No inline script or style: the page carries the status URL in a data attribute (CSP).
"use strict";

(function () {
  const POLL_MS = 1000;
  const FINISHED = new Set(["done", "failed"]);

  function show(element, visible) {
    if (element) element.classList.toggle("d-none", !visible);
  }

  function render(box, data) {
    box.dataset.jobStatus = data.status;
    box.querySelector(".job-status-label").textContent = data.status_label;
    const bar = box.querySelector(".job-bar");
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    box.querySelector(".job-count").textContent = data.label;
    const error = box.querySelector(".job-error");
    error.textContent = data.error;
    show(error, Boolean(data.error));
    show(box.querySelector(".job-retry"), Boolean(data.retry_url));
    show(box.querySelector(".job-result"), data.status === "done" || Boolean(data.result_url));
    const download = box.querySelector(".job-download");
    if (data.download_url) {
      download.href = data.download_url;
      download.textContent = "Download " + (data.result_name || "the file");
    }
    show(download, Boolean(data.download_url));
    const link = box.querySelector(".job-result-link");
    if (data.result_url) link.href = data.result_url;
    show(link, Boolean(data.result_url));
  }

  function watch(box) {
    const url = box.dataset.jobStatusUrl;
    async function poll() {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok) {
          const data = await response.json();
          render(box, data);
          if (FINISHED.has(data.status)) {
            // A job whose result is a page (an import's preview or its batch) opens it.
            if (data.status === "done" && data.result_url && !data.download_url) {
              window.location.assign(data.result_url);
            }
            return;
          }
        }
      } catch (error) {
        // The server may be restarting: keep asking; the job carries on without us.
      }
      window.setTimeout(poll, POLL_MS);
    }
    if (!FINISHED.has(box.dataset.jobStatus)) window.setTimeout(poll, POLL_MS / 2);
  }

  document.querySelectorAll("[data-job-status-url]").forEach(watch);
})();
