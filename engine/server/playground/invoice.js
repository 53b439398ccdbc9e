// The invoice as a table: one row per line, its explanation in a <details> inside the row.
import { element } from "./dom.js";

/**
 * `invoice` from /v1/quote; `explanation` from /v1/explain (or null). `label` names the table;
 * the total is an <output name="total"> holding the exact decimal string.
 */
export function invoiceTable(invoice, explanation, label, compact = false) {
  const explained = new Map((explanation?.lines || []).map((line) => [line.id, line]));
  const rows = invoice.lines.map((line) => lineRow(line, explained.get(line.id), invoice.currency, compact));
  const headings = compact ? ["line", "quantity", `amount ${invoice.currency}`] : ["line", "description", "quantity", "unit price", `amount ${invoice.currency}`];
  const total = element("output", { name: "total", "aria-label": `total ${invoice.currency}`, text: invoice.total });
  const caption = compact
    ? element("caption", { text: `${label} · ${invoice.tariff.file}` })
    : element(
    "caption",
    {},
    `${label} · account ${invoice.account} · ${invoice.period} · ${invoice.edition} · `,
    element("span", { className: "version-ref", text: `${invoice.tariff.file} (version ${invoice.tariff.version})` }),
  );
  return element(
    "table",
    { className: "invoice" },
    caption,
    element(
      "thead",
      {},
      element("tr", {}, headings.map((h, k) => element("th", { scope: "col", className: k >= (compact ? 1 : 2) ? "num" : null, text: h }))),
    ),
    element("tbody", {}, rows),
    element(
      "tfoot",
      {},
      element("tr", {}, element("th", { scope: "row", colspan: String(headings.length - 1), text: `total ${invoice.currency}` }), element("td", { className: "num total" }, total)),
    ),
  );
}

function lineRow(line, explained, currency, compact) {
  const quantity = line.unit ? `${line.quantity} × ${line.unit}` : line.quantity;
  if (compact) {
    const id = element("td", { className: "line-id" }, element("code", { text: line.id }));
    return element("tr", { "data-line": line.id }, id, element("td", { className: "num wrap", text: `${quantity} @ ${line.unit_price}` }), element("td", { className: "num amount", text: line.amount }));
  }
  return element(
    "tr",
    { "data-line": line.id },
    element("td", { className: "line-id" }, element("code", { text: line.id })),
    element("td", { className: "description" }, explained ? details(line, explained, currency) : line.description),
    element("td", { className: "num wrap", text: quantity }),
    element("td", { className: "num", text: line.unit_price }),
    element("td", { className: "num amount", text: line.amount }),
  );
}

function details(line, explained, currency) {
  const steps = explained.steps.join(" = ");
  return element(
    "details",
    {},
    element("summary", { text: line.description }),
    element(
      "dl",
      { className: "explanation" },
      element("dt", { text: "formula" }),
      element("dd", {}, element("code", { text: explained.formula })),
      element("dt", { text: "values" }),
      element("dd", {}, element("code", { text: steps })),
      explained.condition ? [element("dt", { text: "when" }), element("dd", { text: explained.condition })] : null,
      explained.reason ? [element("dt", { text: "why" }), element("dd", { text: explained.reason })] : null,
      explained.rounded ? [element("dt", { text: "rounding" }), element("dd", { text: `rounded to ${line.amount} ${currency}` })] : null,
      element("dt", { text: "source" }),
      element("dd", {}, element("code", { text: explained.source })),
    ),
  );
}

/** What the explanation adds below the invoice: lines that came to nothing, and the total's sum. */
export function explanationNotes(explanation) {
  if (!explanation) return [];
  const nothing = explanation.no_lines.map((n) =>
    element("li", {}, element("code", { text: n.id }), ` ${n.reason} `, element("span", { className: "source", text: n.source })),
  );
  return [
    element("p", { className: "sum" }, element("code", { text: explanation.total })),
    nothing.length ? element("details", { className: "no-lines" }, element("summary", { text: `Not on the invoice (${nothing.length})` }), element("ul", {}, nothing)) : null,
    element("p", { className: "note", text: explanation.version }),
  ];
}
