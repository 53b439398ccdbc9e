// The usage form, generated from `GET /v1/tariffs/{id}/form`: one control per meter and per option offered.
import { typedValue } from "./api.js";
import { element } from "./dom.js";

const NOT_BOUGHT = "";

/** Rebuild the meter and option controls for one edition, keeping `values` (path → text) where they fit. */
export function buildControls(form, editionId, values) {
  const edition = form.editions.find((e) => e.id === editionId) || form.editions[0];
  const meters = document.getElementById("meters");
  const options = document.getElementById("options");
  meters.replaceChildren(element("legend", { text: "Usage" }));
  options.replaceChildren(element("legend", { text: "Options" }));
  for (const id of edition.meters) meters.append(meterControl(form.meters.find((m) => m.id === id), values));
  if (!edition.meters.length) meters.append(element("p", { className: "note", text: `The ${edition.id} edition prices no meter.` }));
  for (const offer of edition.options) options.append(optionControl(form.options.find((o) => o.id === offer.id), offer, values, edition.id));
  if (!edition.options.length) options.append(element("p", { className: "note", text: `No option is offered on ${edition.id}.` }));
  return edition;
}

function field(path, label, control, note) {
  const noteId = `${path}-note`;
  const diagnosticId = `${path}-diagnostic`;
  control.id = path;
  control.name = path;
  control.setAttribute("aria-describedby", `${noteId} ${diagnosticId}`);
  return element(
    "div",
    { className: "field" },
    element("label", { for: path, text: label }),
    control,
    element("p", { className: "note", id: noteId, text: note }),
    element("p", { className: "diagnostic", id: diagnosticId }),
  );
}

function meterControl(meter, values) {
  const path = `usage.${meter.id}`;
  const whole = meter.type === "integer";
  const input = element("input", { type: "number", min: meter.minimum, max: meter.maximum, step: whole ? "1" : "any", inputmode: whole ? "numeric" : "decimal" });
  input.value = values[path] ?? "0";
  const bounds = `Unit: ${meter.unit || "none"}; ${whole ? "a whole number" : "a number"} from ${group(meter.minimum)} to ${group(meter.maximum)}.`;
  const series = meter.daily ? ` A daily series is given as one value (the ${meter.aggregation} of the month).` : "";
  return field(path, meter.id, input, `${meter.description ? `${meter.description}. ` : ""}${bounds}${series}`);
}

function optionControl(option, offer, values, edition) {
  const path = `addons.${option.id}`;
  const unit = option.unit ? ` ${option.unit}` : "";
  const given = values[path];
  if (option.type === "switch") {
    const box = element("input", { type: "checkbox" });
    box.checked = given === "true";
    const wrap = field(path, option.id, box, `${option.description}. On ${edition}: bought or not.`);
    wrap.classList.add("switch");
    return wrap;
  }
  if (option.type === "activation") {
    const date = element("input", { type: "date" });
    date.value = given || "";
    const trial = offer.free_days ? ` Free for ${offer.free_days} days from activation.` : "";
    return field(path, option.id, date, `${option.description}. The day it was activated; empty if not bought.${trial}`);
  }
  const select = element("select", {}, element("option", { value: NOT_BOUGHT, text: "not bought" }));
  for (const value of offer.values) select.append(element("option", { value: JSON.stringify(value), text: `${value}${unit}` }));
  select.value = offer.values.some((v) => JSON.stringify(v) === given) ? given : NOT_BOUGHT;
  const offered = offer.values.map((v) => `${v}`).join(", ");
  return field(path, option.id, select, `${option.description}. Offered on ${edition}: ${offered}${unit}.`);
}

export function group(digits) {
  return digits.replace(/^(-?\d+)/, (whole) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
}

/** Every control's current text by JSON path (what the address bar keeps). */
export function controlValues() {
  const found = {};
  for (const control of document.querySelectorAll("#meters [name], #options [name]")) {
    if (control.type === "checkbox") found[control.name] = control.checked ? "true" : "";
    else found[control.name] = control.value;
  }
  return found;
}

/** The usage document the controls describe. */
export function usageDocument(form, base, values) {
  const usage = {};
  const addons = {};
  for (const [path, text] of Object.entries(values)) {
    const [section, id] = [path.slice(0, path.indexOf(".")), path.slice(path.indexOf(".") + 1)];
    if (section === "usage" && text.trim() !== "") usage[id] = typedValue(text);
    if (section !== "addons" || text === "") continue;
    const option = form.options.find((o) => o.id === id);
    if (option?.type === "switch") addons[id] = true;
    else if (option?.type === "activation") addons[id] = { activated_on: text };
    else addons[id] = JSON.parse(text);
  }
  const document_ = { tariff: form.id, account: base.account, period: base.period, edition: base.edition, usage };
  if (Object.keys(addons).length) document_.addons = addons;
  return document_;
}
