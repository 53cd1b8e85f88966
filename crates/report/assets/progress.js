// The live progress panel of `runner serve`: polls the server's
// /api/progress every two seconds and redraws the table of runs. On the
// front page it also offers a reload once more episodes have finished than
// the leaderboards were computed from.
//
// Run ids and statuses come from the database: this file only ever puts
// text into the page through textContent and createElement.
"use strict";

(function () {
  const panel = document.getElementById("progress");
  const table = document.getElementById("progress-table");
  const status = document.getElementById("progress-status");
  const reload = document.getElementById("progress-reload");
  if (!panel || !table || !status) {
    return;
  }
  const api = panel.getAttribute("data-api");
  const renderedFinished = Number(panel.getAttribute("data-finished"));
  const INTERVAL_MS = 2000;

  function cell(text, className) {
    const td = document.createElement("td");
    if (className) {
      td.className = className;
    }
    td.textContent = text;
    return td;
  }

  // "12 s ago", measured on the server's clock (both times come from it).
  function ago(then, now) {
    const seconds = Math.round((Date.parse(now) - Date.parse(then)) / 1000);
    if (!Number.isFinite(seconds)) {
      return "";
    }
    if (seconds < 120) {
      return " (" + Math.max(0, seconds) + " s ago)";
    }
    if (seconds < 7200) {
      return " (" + Math.round(seconds / 60) + " min ago)";
    }
    return " (" + Math.round(seconds / 3600) + " h ago)";
  }

  function row(run, now) {
    const tr = document.createElement("tr");
    tr.append(
      cell(run.run_id, "name"),
      cell(run.status, "status"),
      cell(run.planned === null ? String(run.finished) : run.finished + " / " + run.planned, "finished"),
      cell(String(run.running), "running")
    );
    const statuses = cell("", "name");
    for (const [name, n] of Object.entries(run.by_status)) {
      const span = document.createElement("span");
      span.className = "seat";
      span.textContent = name + " " + n;
      statuses.append(span);
    }
    tr.append(statuses, cell(run.started_at), cell(run.last_activity + ago(run.last_activity, now)));
    return tr;
  }

  function draw(progress) {
    const body = document.createElement("tbody");
    for (const run of progress.runs) {
      body.append(row(run, progress.at));
    }
    if (progress.runs.length === 0) {
      const tr = document.createElement("tr");
      const td = cell("No runs in the database yet.", "name");
      td.colSpan = 7;
      tr.append(td);
      body.append(tr);
    }
    table.tBodies[0].replaceWith(body);
    status.textContent = "As of " + progress.at + ".";
    if (reload && progress.finished !== renderedFinished) {
      reload.hidden = false;
    }
  }

  async function poll() {
    try {
      const response = await fetch(api, { cache: "no-store" });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      draw(await response.json());
    } catch (e) {
      status.textContent = "The server is not answering (" + e.message + "); trying again.";
    }
    setTimeout(poll, INTERVAL_MS);
  }

  setTimeout(poll, INTERVAL_MS);
})();
