// Small helpers to build elements without innerHTML (no markup injection from data).

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function svgElement(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** Inline `code` and **bold** of the review markdown, as nodes. */
export function inline(text) {
  const parts = [];
  const pattern = /`([^`]*)`|\*\*([^*]*)\*\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(match[1] !== undefined ? element("code", { text: match[1] }) : element("strong", { text: match[2] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** The markdown `tariff diff --format markdown` writes (headings, paragraphs, lists, tables), rendered. */
export function markdown(source) {
  const out = document.createDocumentFragment();
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (heading) {
      out.append(element(`h${Math.min(6, heading[1].length + 1)}`, {}, inline(heading[2])));
      i += 1;
    } else if (line.startsWith("|")) {
      const rows = [];
      while (i < lines.length && lines[i].startsWith("|")) rows.push(lines[i++]);
      out.append(table(rows));
    } else if (line.startsWith("- ")) {
      const list = element("ul");
      while (i < lines.length && lines[i].startsWith("- ")) list.append(element("li", {}, inline(lines[i++].slice(2))));
      out.append(list);
    } else if (line.trim()) {
      out.append(element("p", {}, inline(line)));
      i += 1;
    } else {
      i += 1;
    }
  }
  return out;
}

function cells(row) {
  return row.replace(/^\|\s?|\s?\|$/g, "").split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function table(rows) {
  const [head, rule, ...body] = rows;
  const right = cells(rule).map((c) => c.endsWith(":"));
  const headRow = element("tr", {}, cells(head).map((c, k) => element("th", { scope: "col", className: right[k] ? "num" : null }, inline(c))));
  const bodyRows = body.map((row) => element("tr", {}, cells(row).map((c, k) => element("td", { className: right[k] ? "num" : null }, inline(c)))));
  return element("div", { className: "table-wrap" }, element("table", { className: "review" }, element("thead", {}, headRow), element("tbody", {}, bodyRows)));
}
