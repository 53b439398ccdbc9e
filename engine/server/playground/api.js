// Calls to the pricing API. Bodies keep the numbers exactly as typed (see `RawNumber`).

/** A number typed by the user, sent as its own text so no float ever rounds it. */
export class RawNumber {
  constructor(text) { this.text = text; }
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A typed value as the API should see it: a JSON number when it is one, else the text (the engine says why). */
export function typedValue(text) {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? new RawNumber(trimmed) : trimmed;
}

/** JSON text with every RawNumber spliced in verbatim. */
export function exactJson(value) {
  const raw = [];
  const text = JSON.stringify(value, (key, item) => (item instanceof RawNumber ? `\u0000${raw.push(item.text) - 1}\u0000` : item));
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (match, index) => raw[Number(index)]);
}

/** The reply as {ok, status, body}; a problem (RFC 9457) comes back with ok false and its errors. */
async function reply(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, body };
}

export async function getJson(path) {
  return reply(await fetch(path, { headers: { Accept: "application/json" } }));
}

export async function getText(path) {
  return reply(await fetch(path));
}

export async function postJson(path, value) {
  return reply(await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: exactJson(value) }));
}
