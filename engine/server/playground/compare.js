// Two versions side by side: the review diff (/v1/diff), the usage's invoice under each, the golden scenarios (/v1/impact).
import { getText, postJson } from "./api.js";
import { element, markdown } from "./dom.js";
import { invoiceTable } from "./invoice.js";

export async function comparison(form, other, usage) {
  const tariff = form.id;
  const [diff, impact] = await Promise.all([
    getText(`/v1/diff?tariff=${encodeURIComponent(tariff)}&old=${encodeURIComponent(form.version.version)}&new=${encodeURIComponent(other)}&format=markdown`),
    postJson("/v1/impact", { tariff, old: form.version.version, new: other, usage }),
  ]);
  if (!diff.ok) return problemText(diff.body);
  if (!impact.ok) return problemText(impact.body);
  const versions = new Map(form.versions.map((v) => [v.version, v]));
  const body = impact.body;
  return [
    element("div", { className: "review-diff" }, markdown(diff.body)),
    element("h3", { text: "This usage under both versions" }),
    element("p", { className: "note", text: "Each version prices the same usage, whatever its dates (as tariff diff --scenarios does)." }),
    element("div", { className: "side-by-side" }, side(versions.get(body.old), body.usage.old), side(versions.get(body.new), body.usage.new)),
    element("h3", { text: "Impact on the golden scenarios" }),
    impactTable(body.scenarios),
  ];
}

function problemText(problem) {
  return element("p", { className: "diagnostic", role: "alert", text: typeof problem === "string" ? problem : problem.detail });
}

function side(version, result) {
  const name = `version ${version.version}`;
  const heading = element("h4", { text: `Version ${version.version} · from ${version.effective_from}` });
  const content =
    result.status === 200
      ? invoiceTable(result.invoice, null, name, true)
      : element("ul", { className: "diagnostics" }, result.problem.errors.map((e) => element("li", {}, element("code", { text: e.path || "" }), ` ${e.message}`)));
  return element("section", { className: "version-side", "aria-label": name }, heading, content);
}

function impactTable(impact) {
  const currency = impact.currency.old === impact.currency.new ? impact.currency.old : `${impact.currency.old} → ${impact.currency.new}`;
  const money = (outcome) => outcome.total ?? "refused";
  const row = (s) =>
    element(
      "tr",
      {},
      element("td", { text: s.name }),
      element("td", { className: "num", text: money(s.old), title: s.old.refusal || null }),
      element("td", { className: "num", text: money(s.new), title: s.new.refusal || null }),
      element("td", { className: "num", text: s.delta ?? "—" }),
      element("td", { className: "num", text: s.relative_percent === null ? "—" : `${s.relative_percent} %` }),
    );
  const shown = impact.scenarios.filter((s) => s.status !== "refused by both");
  const refused = impact.scenarios.filter((s) => s.status === "refused by both");
  const sum = impact.sum;
  const foot = element(
    "tr",
    {},
    element("th", { scope: "row", text: `Sum of the ${sum.scenarios} scenarios both versions price` }),
    element("td", { className: "num", text: sum.old ?? "—" }),
    element("td", { className: "num", text: sum.new ?? "—" }),
    element("td", { className: "num", text: sum.delta ?? "—" }),
    element("td", { className: "num", text: sum.relative_percent === null ? "—" : `${sum.relative_percent} %` }),
  );
  if (!impact.scenarios.length) return element("p", { className: "note", text: "This tariff has no golden scenarios." });
  const refusedList = refused.length
    ? element(
        "details",
        { className: "no-lines" },
        element("summary", { text: `${refused.length} scenarios both versions refuse` }),
        element("ul", {}, refused.map((s) => element("li", { text: `${s.name}: ${s.new.refusal}` }))),
      )
    : null;
  const wrap = element(
    "div",
    { className: "table-wrap" },
    element(
      "table",
      { className: "review impact" },
      element("caption", { text: `Golden scenarios priced under both versions (${currency})` }),
      element("thead", {}, element("tr", {}, ["scenario", "old total", "new total", "delta", "relative"].map((h, k) => element("th", { scope: "col", className: k ? "num" : null, text: h })))),
      element("tbody", {}, shown.map(row)),
      element("tfoot", {}, foot),
    ),
  );
  return [wrap, refusedList];
}
