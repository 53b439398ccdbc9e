// The chart: exact decimal strings from /v1/chart become pixel positions here, and only here.
import { element, svgElement } from "./dom.js";
import { group } from "./form.js";

const WIDTH = 720;
const HEIGHT = 280;
const PAD = { left: 76, right: 40, top: 16, bottom: 40 };

/** A few round tick values covering [low, high]. */
function ticks(low, high, count) {
  const span = high - low || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => span / s <= count) || raw;
  const found = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) found.push(Number(value.toPrecision(12)));
  return found;
}

function label(value) {
  const text = Math.abs(value) >= 1e6 ? value.toExponential(1) : String(value);
  return group(text);
}

/** The SVG for `series` (the /v1/chart reply); `current` (and its price `currentY`) marks the usage's own value. */
export function drawChart(series, current, currentY) {
  const points = series.points.filter((p) => p.y !== null).map((p) => ({ x: Number(p.x), y: Number(p.y), text: p }));
  if (!points.length) return element("p", { className: "note", text: "No line of that id on these invoices." });
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(...ys) * 1.05 || 1;
  const left = (x) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const top = (y) => HEIGHT - PAD.bottom - (y / y1) * (HEIGHT - PAD.top - PAD.bottom);
  const path = points.map((p, k) => `${k ? "L" : "M"}${left(p.x).toFixed(2)},${top(p.y).toFixed(2)}`).join(" ");
  const what = series.line === "total" ? "invoice total" : `line ${series.line}`;
  const svg = svgElement(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-labelledby": "chart-title chart-desc", class: "plot" },
    svgElement("title", { id: "chart-title" }, `${what} (${series.currency}) against ${series.meter}`),
    svgElement("desc", { id: "chart-desc" }, `${points.length} quotes from ${series.points[0].x} to ${series.points.at(-1).x} ${series.unit}, breakpoints at ${series.breakpoints.join(", ") || "none"}.`),
  );
  for (const value of ticks(0, y1, 5)) {
    svg.append(svgElement("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: top(value), y2: top(value), class: "grid" }));
    svg.append(svgElement("text", { x: PAD.left - 8, y: top(value) + 4, class: "tick y" }, label(value)));
  }
  for (const value of ticks(x0, x1, 6)) {
    svg.append(svgElement("line", { x1: left(value), x2: left(value), y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom + 5, class: "axis" }));
    svg.append(svgElement("text", { x: left(value), y: HEIGHT - PAD.bottom + 18, class: "tick x" }, label(value)));
  }
  svg.append(svgElement("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom, class: "axis" }));
  svg.append(svgElement("text", { x: WIDTH - PAD.right, y: HEIGHT - 4, class: "axis-label" }, `${series.meter} (${series.unit})`));
  svg.append(svgElement("path", { d: path, class: "series" }));
  if (current !== null && current >= x0 && current <= x1) {
    const at = currentY ?? points.reduce((best, p) => (p.x <= current ? p : best), points[0]).y;
    svg.append(svgElement("line", { x1: left(current), x2: left(current), y1: PAD.top, y2: HEIGHT - PAD.bottom, class: "marker" }));
    svg.append(
      svgElement("circle", { cx: left(current), cy: top(at), r: 4.5, class: "marker-dot" }, svgElement("title", {}, `${series.meter} ${current}`)),
    );
  }
  for (const p of points) {
    svg.append(svgElement("circle", { cx: left(p.x), cy: top(p.y), r: 2, class: "sample" }, svgElement("title", {}, `${p.text.x} ${series.unit}: ${p.text.y} ${series.currency}`)));
  }
  return svg;
}
