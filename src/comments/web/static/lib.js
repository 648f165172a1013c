// What the widget and the staff pages share: building DOM from data safely, calling the JSON API, keeping a
// session token, and forms with their fields. ES module, no build step; base.css styles what it builds.
//
// The one rule: text that came from data goes into the page as text (textContent, text nodes), never as HTML.
// The pages' CSP also enforces it (Trusted Types with no policy: assigning a string to innerHTML throws).

const SAFE_URL = /^(?:https?:\/\/|\/(?!\/)|#)/;

/** h("button", {class: "x", onclick: fn}, "text", childNode): an element; children that are strings become
 * text nodes. Attributes are set one by one; on* names add listeners; href/src must be http(s), / or #. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else {
      if ((name === "href" || name === "src") && !SAFE_URL.test(String(value))) {
        throw new Error(`refusing ${name}=${value}`);
      }
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A session token in this origin's localStorage (in an iframe: the iframe's own, partitioned storage).
 * Falls back to memory where storage is blocked, so the page still works for the visit. */
export class TokenStore {
  constructor(key) {
    this.key = key;
    this.memory = null;
  }
  get() {
    try {
      return localStorage.getItem(this.key) || this.memory;
    } catch {
      return this.memory;
    }
  }
  set(token) {
    this.memory = token;
    try {
      if (token) localStorage.setItem(this.key, token);
      else localStorage.removeItem(this.key);
    } catch {
      /* storage blocked: memory only */
    }
  }
}

/** A failed call: `problem` is the RFC 9457 body (type, title, detail, errors, ...). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    // type "/problems/profile-incomplete" -> "profile-incomplete"; `code` is the finer one some problems add
    // (type unauthenticated, code login-failed), else the type.
    this.type =
      String(this.problem.type || "")
        .split("/")
        .pop() || `http-${status}`;
    this.code = this.problem.code || this.type;
  }
  /** Per-field messages from `errors: [{pointer: "/display_name", field, message}]`. */
  fieldErrors() {
    const out = {};
    for (const e of this.problem.errors || []) {
      const name =
        e.field ||
        String(e.pointer || "")
          .replace(/^\//, "")
          .split("/")[0];
      if (name && !(name in out)) out[name] = e.message;
    }
    return out;
  }
}

export class Api {
  constructor(tokens, onUnauthenticated) {
    this.tokens = tokens;
    this.onUnauthenticated = onUnauthenticated || (() => {});
  }
  async request(method, path, { body, query, headers } = {}) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(query || {})) if (v !== null && v !== undefined) url.searchParams.set(k, v);
    const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "omit" };
    // Public reads say max-age for CDNs; the widget itself revalidates (the ETag makes that a 304 costing
    // one lookup), so a reader never sees their own browser's older copy of a thread.
    if (method === "GET") init.cache = "no-cache";
    const token = this.tokens && this.tokens.get();
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new ApiError(0, { title: "No connection", detail: "Could not reach the comment service. Try again." });
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      // A token that no longer works is dropped, the page shows the logged-out state, and the call is made
      // once more without it: reading a thread must not fail because a session expired.
      if (response.status === 401 && token) {
        this.tokens.set(null);
        this.onUnauthenticated(error);
        return this.request(method, path, { body, query, headers });
      }
      throw error;
    }
    return data;
  }
  get(path, query) {
    return this.request("GET", path, { query });
  }
  post(path, body, headers) {
    return this.request("POST", path, { body, headers });
  }
  put(path, body) {
    return this.request("PUT", path, { body });
  }
  patch(path, body, query) {
    return this.request("PATCH", path, { body, query });
  }
  delete(path) {
    return this.request("DELETE", path);
  }
}

/** The colour a status is shown in, as a class of base.css: published and flagged comments good, held ones
 * held, reported and rejected ones bad, anything else neutral. */
const TONES = { published: "good", flagged: "good", held: "held", reported: "bad", rejected: "bad" };

export function tone(status) {
  return `x-tone--${TONES[status] || "neutral"}`;
}

export function enc(part) {
  return encodeURIComponent(part);
}

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  return iso ? DATE.format(new Date(iso)) : "";
}

export function timeEl(iso) {
  return h("time", { datetime: iso, title: iso }, formatDate(iso));
}

/** An Idempotency-Key: crypto.randomUUID needs a secure context, getRandomValues does not. */
export function randomKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A labelled form field with a slot for its error: {row, input, error}. `control` is an element. */
export function field(id, label, control, hint) {
  control.id = id;
  const error = h("p", { class: "x-error", id: `${id}-error`, hidden: true });
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", describedBy);
  const row = h(
    "div",
    { class: "x-field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "x-hint", id: `${id}-hint` }, hint) : null,
    control,
    error,
  );
  return { row, input: control, error };
}

/** A form labelled by its heading (an element with an id); submitting it runs onSubmit(event) in the page
 * instead of loading another one. The browser's own validation is off: the pages say what is wrong. */
export function headedForm(cls, heading, children, onSubmit) {
  const form = h("form", { class: cls, novalidate: true, "aria-labelledby": heading.id }, heading, children);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(event);
  });
  return form;
}

/** Show (or clear, with null) a field's error message. */
export function setFieldError(f, message) {
  f.error.textContent = message || "";
  f.error.hidden = !message;
  if (message) f.input.setAttribute("aria-invalid", "true");
  else f.input.removeAttribute("aria-invalid");
}
