// The playground: state in the address bar, the form from the compiled tariff, the invoice as you type.
import { getJson, postJson } from "./api.js";
import { drawChart } from "./chart.js";
import { comparison } from "./compare.js";
import { element } from "./dom.js";
import { buildControls, controlValues, usageDocument } from "./form.js";
import { explanationNotes, invoiceTable } from "./invoice.js";

const $ = (id) => document.getElementById(id);
const state = { form: null, edition: null, pricing: 0, charting: 0, comparing: 0, timer: null };

function params() {
  return new URLSearchParams(window.location.search);
}

function option(value, text) {
  return element("option", { value, text });
}

async function start() {
  const given = params();
  const listing = await getJson("/v1/tariffs");
  const tariffs = listing.body.tariffs || [];
  $("tariff").replaceChildren(...tariffs.map((t) => option(t.id, t.id)));
  if (!tariffs.length) return showGeneral(["No tariff is served."]);
  $("tariff").value = tariffs.some((t) => t.id === given.get("tariff")) ? given.get("tariff") : tariffs[0].id;
  const values = {};
  for (const [key, value] of given) if (key.startsWith("usage.") || key.startsWith("addons.")) values[key] = value;
  if (given.get("account")) $("account").value = given.get("account");
  await loadForm(given.get("version"), values, given.get("period"), given.get("edition"));
  if (given.get("chart")) $("chart-meter").value = given.get("chart");
  if (given.get("from")) $("chart-from").value = given.get("from");
  if (given.get("to")) $("chart-to").value = given.get("to");
  if (given.get("line")) $("chart-line").value = given.get("line");
  if (given.get("compare")) $("compare").value = given.get("compare");
  wire();
  await refresh();
}

async function loadForm(version, values, period, edition) {
  const id = $("tariff").value;
  const query = version ? `?version=${encodeURIComponent(version)}` : "";
  const reply = await getJson(`/v1/tariffs/${encodeURIComponent(id)}/form${query}`);
  if (!reply.ok) {
    showGeneral(reply.body.errors.map((e) => `${e.path}: ${e.message}`));
    if (version) return loadForm(null, values, period, edition);
    return;
  }
  const form = reply.body;
  state.form = form;
  const today = form.in_force_today;
  $("version").replaceChildren(
    ...form.versions.map((v) => option(v.version, `${v.version} · ${v.effective_from}${v.version === today ? " · in force" : ""}`)),
  );
  $("version").value = form.version.version;
  const until = form.version.until ? `until ${form.version.until}` : "with no end";
  $("version-note").textContent = `${form.version.file}: in force from ${form.version.effective_from} ${until}. Today is ${form.today}.`;
  $("edition").replaceChildren(...form.editions.map((e) => option(e.id, e.id)));
  $("edition").value = form.editions.some((e) => e.id === edition) ? edition : form.editions.find((e) => e.id !== "trial")?.id || form.editions[0].id;
  $("period").min = form.version.effective_from.slice(0, 7);
  $("period").max = form.version.until ? form.version.until.slice(0, 7) : "";
  $("period").value = inRange(period, form.version) ? period : form.period;
  $("period-note").textContent = `The month billed; version ${form.version.version} prices ${form.version.effective_from.slice(0, 7)} ${form.version.until ? `to ${form.version.until.slice(0, 7)}` : "onwards"}.`;
  $("compare").replaceChildren(option("", "nothing"), ...form.versions.filter((v) => v.version !== form.version.version).map((v) => option(v.version, `version ${v.version} · from ${v.effective_from}`)));
  buildEdition(values);
}

function inRange(period, version) {
  if (!period) return false;
  return period >= version.effective_from.slice(0, 7) && (!version.until || period <= version.until.slice(0, 7));
}

function buildEdition(values) {
  const edition = buildControls(state.form, $("edition").value, values);
  state.edition = edition;
  $("edition-note").textContent = state.form.editions.find((e) => e.id === edition.id)?.description || "";
  const previous = $("chart-meter").value;
  $("chart-meter").replaceChildren(...edition.meters.map((m) => option(m, m)));
  $("chart-meter").disabled = !edition.meters.length;
  if (edition.meters.includes(previous)) $("chart-meter").value = previous;
  defaultRange(false);
}

function defaultRange(force) {
  const meter = state.form.meters.find((m) => m.id === $("chart-meter").value);
  if (!meter) return;
  if (force || !$("chart-from").value) $("chart-from").value = meter.minimum;
  if (force || !$("chart-to").value) {
    const current = Number($(`usage.${meter.id}`)?.value || 0);
    const span = Math.max(2 * current, Number(meter.minimum) + 100000);
    $("chart-to").value = String(Math.min(span, Number(meter.maximum)));
  }
}

function wire() {
  $("tariff").addEventListener("change", async () => {
    await loadForm(null, {}, null, null);
    defaultRange(true);
    refresh();
  });
  $("version").addEventListener("change", async () => {
    await loadForm($("version").value, controlValues(), $("period").value, $("edition").value);
    refresh();
  });
  $("edition").addEventListener("change", () => {
    buildEdition(controlValues());
    refresh();
  });
  $("chart-meter").addEventListener("change", () => {
    defaultRange(true);
    schedule();
  });
  $("compare").addEventListener("change", () => schedule());
  const own = new Set(["tariff", "version", "edition"]); // these rebuild the form first, then refresh
  const changed = (event) => own.has(event.target.id) || schedule();
  for (const id of ["usage-form", "chart-from", "chart-to", "chart-line"]) {
    $(id).addEventListener("input", changed);
    $(id).addEventListener("change", changed);
  }
  $("usage-form").addEventListener("submit", (event) => event.preventDefault());
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, 120);
}

function currentUsage() {
  return usageDocument(state.form, { account: $("account").value, period: $("period").value, edition: $("edition").value }, controlValues());
}

function remember(values) {
  const query = new URLSearchParams({ tariff: state.form.id, version: $("version").value, edition: $("edition").value, period: $("period").value, account: $("account").value });
  for (const [path, text] of Object.entries(values)) if (text !== "") query.set(path, text);
  if ($("chart-meter").value) {
    query.set("chart", $("chart-meter").value);
    query.set("from", $("chart-from").value);
    query.set("to", $("chart-to").value);
    query.set("line", $("chart-line").value || "total");
  }
  if ($("compare").value) query.set("compare", $("compare").value);
  window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

async function refresh() {
  if (!state.form) return;
  const values = controlValues();
  remember(values);
  const usage = currentUsage();
  try {
    await Promise.all([price(usage), chart(usage), compare(usage)]);
  } catch (error) {
    showGeneral([`The pricing service did not answer (${error.message}); the page keeps your usage and retries on the next change.`]);
  }
  document.body.dataset.ready = "true";
}

async function price(usage) {
  const ticket = ++state.pricing;
  const [quote, explain] = await Promise.all([postJson("/v1/quote", usage), postJson("/v1/explain", usage)]);
  if (ticket !== state.pricing) return;
  clearDiagnostics();
  state.invoice = null;
  if (!quote.ok) {
    $("invoice").replaceChildren(element("p", { className: "stale", text: "No invoice: the usage has problems (beside each field)." }));
    showDiagnostics(quote.body.errors || [{ path: null, message: String(quote.body.detail || quote.body) }]);
    return;
  }
  const invoice = quote.body;
  const notes = [];
  if (invoice.tariff.version !== $("version").value) {
    notes.push(element("p", { className: "warning", text: `Priced by version ${invoice.tariff.version}, the version in force in ${invoice.period}.` }));
  }
  state.invoice = invoice;
  $("invoice").replaceChildren(...notes, invoiceTable(invoice, explain.ok ? explain.body : null, "Invoice"), ...explanationNotes(explain.ok ? explain.body : null));
  const lines = invoice.lines.map((l) => l.id);
  const chosen = $("chart-line").value || params().get("line") || "total";
  $("chart-line").replaceChildren(option("total", "total"), ...lines.map((id) => option(id, id)));
  $("chart-line").value = ["total", ...lines].includes(chosen) ? chosen : "total";
}

async function chart(usage) {
  const meter = $("chart-meter").value;
  const ticket = ++state.charting;
  $("chart-diagnostic").textContent = "";
  if (!meter) {
    $("chart").replaceChildren(element("p", { className: "note", text: "This edition prices no meter to chart against." }));
    return;
  }
  const line = $("chart-line").value || "total";
  const reply = await postJson(`/v1/chart`, { usage, meter, from: $("chart-from").value, to: $("chart-to").value, line });
  if (ticket !== state.charting) return;
  if (!reply.ok) {
    const errors = reply.body.errors || [];
    const own = errors.filter((e) => ["from", "to", "meter", "line"].includes(e.path));
    $("chart-diagnostic").textContent = own.length ? own.map((e) => `${e.path}: ${e.message}`).join("; ") : "The chart needs a usage that prices (see the invoice).";
    $("chart").replaceChildren();
    return;
  }
  const raw = $(`usage.${meter}`)?.value;
  const current = raw === undefined || raw === "" ? null : Number(raw);
  const amount = line === "total" ? state.invoice?.total : state.invoice?.lines.find((l) => l.id === line)?.amount;
  $("chart").replaceChildren(drawChart(reply.body, current, amount === undefined ? null : Number(amount)));
}

async function compare(usage) {
  const other = $("compare").value;
  const ticket = ++state.comparing;
  if (!other) {
    $("comparison").replaceChildren(element("p", { className: "note", text: "Pick another version to see the review diff, this usage's invoice under both, and the impact on the golden scenarios." }));
    return;
  }
  const parts = await comparison(state.form, other, usage);
  if (ticket !== state.comparing) return;
  $("comparison").replaceChildren(...[parts].flat(Infinity).filter(Boolean));
}

function clearDiagnostics() {
  for (const node of document.querySelectorAll(".diagnostic")) if (node.id !== "chart-diagnostic") node.textContent = "";
  for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  $("general-diagnostics").replaceChildren();
}

function showDiagnostics(errors) {
  const general = [];
  for (const error of errors) {
    const path = (error.path || "").replace(/\[\d+\]$/, "");
    const slot = path ? $(`${path}-diagnostic`) : null;
    const text = `${error.message}${error.hint ? ` (hint: ${error.hint})` : ""}`;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      $(path)?.setAttribute("aria-invalid", "true");
    } else {
      general.push(error.path ? `${error.path}: ${text}` : text);
    }
  }
  showGeneral(general);
}

function showGeneral(messages) {
  $("general-diagnostics").replaceChildren(...messages.map((m) => element("p", { className: "diagnostic", role: "alert", text: m })));
}

start().catch((error) => showGeneral([`The pricing service did not answer (${error.message}); reload the page to retry.`]));
