// The web console's one script (served as /static/console.js): the print button and the
// live view's polling chart. No framework, no build step.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("[data-print]")) {
    b.addEventListener("click", () => window.print());
  }
  const live = document.getElementById("live");
  if (live) startLive(live);
});

function startLive(root) {
  const url = root.dataset.live;
  const minutes = document.getElementById("live-minutes");
  const poll = async () => {
    try {
      const r = await fetch(url + "?minutes=" + encodeURIComponent(minutes.value), {
        credentials: "same-origin",
      });
      if (!r.ok) throw new Error("HTTP " + r.status);
      draw(root, await r.json());
    } catch (e) {
      status(root, "The live data could not be read (" + e.message + "); retrying.");
    }
  };
  poll();
  setInterval(poll, 2000);
  minutes.addEventListener("change", poll);
}

function status(root, text) {
  let p = document.getElementById("live-status");
  if (!p) {
    p = document.createElement("p");
    p.id = "live-status";
    root.prepend(p);
  }
  p.textContent = text;
}

function el(tag, attrs, text) {
  const ns = tag === "svg" || tag === "polyline" || tag === "text" || tag === "line"
    ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(ms) {
  return ms === null || ms === undefined ? "–" : ms.toFixed(ms < 10 ? 2 : 0) + " ms";
}

function draw(root, data) {
  root.replaceChildren();
  const when = new Date().toLocaleTimeString();
  if (!data.organisations.length) {
    status(root, "No queries in this window (updated " + when + ").");
    return;
  }
  status(root, "Updated " + when + ".");
  for (const o of data.organisations) {
    const box = el("div", { class: "live-org", "data-organisation": o.organisation });
    box.append(el("h2", {}, o.organisation));
    const codes = Object.entries(o.codes).map(([c, n]) => c + ": " + n).join(", ") || "none";
    box.append(el("p", {}, o.queries + " queries; return codes " + codes +
      "; latency p50 " + fmt(o.p50_ms) + ", p90 " + fmt(o.p90_ms) + ", p99 " + fmt(o.p99_ms)));
    const max = Math.max(1, ...o.qps);
    const w = 600, h = 120;
    const svg = el("svg", { viewBox: "0 0 " + w + " " + h, preserveAspectRatio: "none", role: "img" });
    const n = Math.max(1, o.qps.length - 1);
    const pts = o.qps.map((q, i) => (i * w / n).toFixed(1) + "," + (h - 4 - (q / max) * (h - 20)).toFixed(1));
    svg.append(el("polyline", { points: pts.join(" ") }));
    svg.append(el("text", { x: 4, y: 12, "font-size": 11 }, "max " + max.toFixed(1) + " q/s"));
    box.append(svg);
    root.append(box);
  }
}
