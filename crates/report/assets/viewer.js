// The replay viewer of the arena report: steps through one episode, drawing
// the state after each move with what the model replied and why.
//
// Everything a model wrote is untrusted: this file only ever puts text into
// the page through textContent and createElement, never innerHTML, so a
// reply that contains markup is shown as the characters it is.
"use strict";

(function () {
  const source = document.getElementById("episode-data");
  const root = document.getElementById("viewer");
  if (!source || !root) {
    return;
  }
  const episode = JSON.parse(source.textContent);
  const steps = episode.steps;
  // Position 0 is the state before the first step; position k is the state
  // after step k - 1.
  let position = 0;
  // -1: everything (omniscient); otherwise a seat's view.
  let viewer = -1;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") {
        node.className = value;
      } else if (key.startsWith("on")) {
        node.addEventListener(key.slice(2), value);
      } else {
        node.setAttribute(key, value);
      }
    }
    for (const child of children) {
      if (child === null || child === undefined) {
        continue;
      }
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const SUITS = { s: ["♠", "black"], c: ["♣", "black"], h: ["♥", "red"], d: ["♦", "red"] };
  const CARD = /\b([2-9TJQKA])([schd])\b/g;

  // A line of a grid board: single-character cells (X, O, ., or a free
  // square's number), optionally with a row label and | separators.
  function boardCells(line) {
    const trimmed = line.trim();
    const tokens = trimmed.split(/[\s|]+/).filter((t) => t.length > 0);
    if (tokens.length < 3) {
      return null;
    }
    let cells = tokens;
    if (/^\d+$/.test(cells[0]) && cells[0].length > 1) {
      cells = cells.slice(1);
    } else if (/^\d+$/.test(cells[0]) && !/[|]/.test(line) && cells.slice(1).every((t) => /^[.XOxo]$/.test(t))) {
      cells = cells.slice(1);
    }
    if (!cells.every((t) => /^([.XOxo]|\d)$/.test(t))) {
      return null;
    }
    if (!cells.some((t) => /^[.XOxo]$/.test(t))) {
      return null;
    }
    return { label: tokens.length === cells.length ? "" : tokens[0], cells: cells };
  }

  function textWithCards(line) {
    const span = el("span", { class: "line" });
    let last = 0;
    CARD.lastIndex = 0;
    let match;
    while ((match = CARD.exec(line)) !== null) {
      span.append(document.createTextNode(line.slice(last, match.index)));
      const [symbol, colour] = SUITS[match[2]];
      span.append(el("span", { class: "card " + colour, title: match[0] }, match[1] + symbol));
      last = match.index + match[0].length;
    }
    span.append(document.createTextNode(line.slice(last)));
    return span;
  }

  // Draws a state's text: grid rows as cells, cards as cards, the rest as
  // text.
  function drawState(text) {
    const board = el("div", { class: "board", id: "board" });
    for (const line of text.split("\n")) {
      const grid = boardCells(line);
      if (grid) {
        const indent = line.length - line.trimStart().length;
        const row = el("div", { class: "grid-row" });
        if (indent > 0 || grid.label) {
          row.append(el("span", { class: "indent" }, " ".repeat(indent) + grid.label + (grid.label ? " " : "")));
        }
        for (const cell of grid.cells) {
          const kind = /^[Xx]$/.test(cell) ? "x" : /^[Oo]$/.test(cell) ? "o" : "empty";
          row.append(el("span", { class: "cell " + kind, title: cell }, kind === "empty" && cell !== "." ? cell : ""));
        }
        board.append(row);
      } else {
        board.append(el("div", { class: "text-row" }, textWithCards(line)));
      }
    }
    return board;
  }

  function viewOf(view) {
    return viewer < 0 ? view.all : view.seats[viewer] || "";
  }

  function seatName(seat) {
    const p = episode.players.find((q) => q.seat === seat);
    return p ? p.agent : "seat " + seat;
  }

  function field(label, value, id) {
    if (value === null || value === undefined || value === "") {
      return null;
    }
    const attrs = id ? { id: id, class: "value" } : { class: "value" };
    return el("div", { class: "field" }, el("span", { class: "label" }, label), el("pre", attrs, String(value)));
  }

  // In a seat's view, another seat's words stay hidden: a model's reasoning
  // can name its own cards.
  function hiddenFromViewer(step) {
    return viewer >= 0 && step.seat !== null && step.seat !== viewer;
  }

  function describe(step) {
    const box = el("div", { class: "step", id: "step-details" });
    const who = step.seat === null ? "chance" : "seat " + step.seat + " (" + step.actor + ")";
    const action = step.seat === null && viewer >= 0 ? "(a card or draw)" : step.action;
    box.append(el("h3", {}, "ply " + step.ply + ": " + who + " plays ", el("code", { id: "action" }, action)));
    if (step.seat === null) {
      return box;
    }
    const facts = [step.parse_status, step.attempts + (step.attempts === 1 ? " attempt" : " attempts")];
    if (step.latency_ms !== null) {
      facts.push(step.latency_ms.toFixed(1) + " ms");
    }
    if (step.tokens !== null) {
      facts.push(step.tokens + " tokens");
    }
    if (step.cost_usd !== null) {
      facts.push("$" + step.cost_usd.toFixed(5));
    }
    box.append(el("p", { class: "facts" }, facts.join(" · ")));
    if (hiddenFromViewer(step)) {
      box.append(el("p", { class: "hidden-note" }, "What seat " + step.seat + " wrote is hidden in seat " + viewer + "'s view."));
      return box;
    }
    box.append(field("reasoning", step.reasoning, "reasoning"));
    box.append(field("raw response", step.raw_response, "raw-response"));
    box.append(field("thinking", step.thinking, "thinking"));
    for (const r of step.rejected) {
      const rejected = el("div", { class: "rejected" }, el("span", { class: "label" }, "attempt " + r.attempt + " rejected: " + r.status));
      rejected.append(field("error", r.error));
      rejected.append(field("reply", r.raw_response));
      box.append(rejected);
    }
    if (step.prompt) {
      box.append(el("details", {}, el("summary", {}, "prompt"), el("pre", { class: "value" }, step.prompt)));
    }
    return box;
  }

  const counter = el("span", { id: "step-counter" });
  const select = el("select", { id: "view-select", "aria-label": "whose view" });
  select.append(el("option", { value: "-1" }, "everything"));
  for (const p of episode.players) {
    select.append(el("option", { value: String(p.seat) }, "seat " + p.seat + ": " + p.agent));
  }
  select.addEventListener("change", () => {
    viewer = Number(select.value);
    render();
  });
  const controls = el(
    "div",
    { class: "controls" },
    el("button", { id: "first", title: "first (Home)", onclick: () => go(0) }, "«"),
    el("button", { id: "back", title: "back (←)", onclick: () => go(position - 1) }, "‹"),
    counter,
    el("button", { id: "forward", title: "forward (→)", onclick: () => go(position + 1) }, "›"),
    el("button", { id: "last", title: "last (End)", onclick: () => go(steps.length) }, "»"),
    el("label", {}, " view ", select)
  );
  const stage = el("div", { class: "stage" });
  const moves = el("ol", { class: "moves", id: "moves", start: "0" });
  steps.forEach((step, i) => {
    const item = el("li", { "data-ply": String(step.ply) });
    item.addEventListener("click", () => go(i + 1));
    moves.append(item);
  });
  root.append(controls, stage, el("h3", {}, "moves"), moves);

  function go(to) {
    position = Math.max(0, Math.min(steps.length, to));
    render();
  }

  function render() {
    counter.textContent = "step " + position + " / " + steps.length;
    const view = position === 0 ? episode.initial : steps[position - 1].after;
    stage.replaceChildren(drawState(viewOf(view)));
    if (position > 0) {
      stage.append(describe(steps[position - 1]));
    } else {
      stage.append(el("div", { class: "step", id: "step-details" }, el("h3", {}, "the start")));
    }
    moves.querySelectorAll("li").forEach((item, i) => {
      const step = steps[i];
      const who = step.seat === null ? "chance" : seatName(step.seat);
      const action = step.seat === null && viewer >= 0 ? "(a card or draw)" : step.action;
      const flag = step.parse_status === "fallback" ? " (fallback)" : step.attempts > 1 ? " (" + step.attempts + " attempts)" : "";
      item.replaceChildren(textWithCards(who + ": " + action + flag));
      item.classList.toggle("current", i === position - 1);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLSelectElement) {
      return;
    }
    switch (event.key) {
      case "ArrowRight":
        go(position + 1);
        break;
      case "ArrowLeft":
        go(position - 1);
        break;
      case "Home":
        go(0);
        break;
      case "End":
        go(steps.length);
        break;
      case "v":
      case "V": {
        const options = select.options.length;
        select.selectedIndex = (select.selectedIndex + 1) % options;
        viewer = Number(select.value);
        render();
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  render();
})();
