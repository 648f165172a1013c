// The site admin's page: the rule set as a validated JSON editor (the service's errors listed with their
// JSON pointers, each one a button that selects the place in the text), a dry-run on a sample comment,
// a backtest over the site's recent comments, and the history of changes.

import { ApiError, enc, field, fill, h, headedForm, timeEl, tone } from "./lib.js";
import { scoreList, startStaffPage } from "./staff.js";


const state = { site: null, version: null, historyCursor: null };
const ui = {};

const { api, main, say } = startStaffPage({ role: "admin", onSite: (site) => openSite(site) });

const R = () => `/api/v1/sites/${enc(state.site)}/rules`;

async function openSite(site) {
  state.site = site;
  ui.editor = h("textarea", {
    id: "adm-rules",
    class: "x-code",
    spellcheck: "false",
    "aria-describedby": "adm-status adm-errors",
  });
  ui.version = h("span", {}, "");
  ui.status = h("p", { id: "adm-status", class: "x-muted", role: "status" });
  ui.errors = h("ul", { id: "adm-errors", class: "adm-errors", "aria-label": "Problems in the rule set" });
  ui.dryBody = field("adm-dry-body", "Sample comment", h("textarea", { rows: "4" }));
  ui.dryProposed = h("input", { type: "checkbox", id: "adm-dry-proposed", checked: true });
  ui.dryResult = h("div", { role: "status" });
  ui.since = field("adm-since", "Comments since (optional)", h("input", { type: "datetime-local" }));
  ui.limit = field(
    "adm-limit",
    "At most this many comments",
    h("input", { type: "number", min: "1", max: "100000", value: "10000" }),
  );
  ui.backtestResult = h("div", { role: "status" });
  ui.history = h("ol", { class: "adm-history" });
  ui.historyMore = h(
    "button",
    { type: "button", class: "x-button", hidden: true, onclick: () => loadHistory(false) },
    "Older changes",
  );

  const editorForm = headedForm(
    "adm-section",
    h("h2", { id: "adm-rules-title" }, "Rule set of ", site, " ", ui.version),
    [
      h("label", { for: "adm-rules" }, "Rule set (JSON; fields left out take their defaults)"),
      ui.editor,
      ui.status,
      ui.errors,
      h(
        "div",
        { class: "adm-buttons" },
        h("button", { type: "submit", class: "x-button x-primary" }, "Save"),
        h("button", { type: "button", class: "x-button", onclick: checkSyntax }, "Check JSON"),
        h("button", { type: "button", class: "x-button", onclick: () => format() }, "Format"),
        h("button", { type: "button", class: "x-button", onclick: () => loadRules() }, "Reload"),
      ),
    ],
    () => save(),
  );

  const dryForm = headedForm(
    "adm-section x-panel",
    h("h2", { id: "adm-dry-title" }, "Dry-run"),
    [
      h("p", { class: "x-muted" }, "What would happen to a comment. Nothing is stored."),
      ui.dryBody.row,
      h(
        "div",
        { class: "x-check" },
        ui.dryProposed,
        h("label", { for: ui.dryProposed.id }, "Use the rule set in the editor (unsaved)"),
      ),
      h("button", { type: "submit", class: "x-button x-primary" }, "Run dry-run"),
      ui.dryResult,
    ],
    () => dryRun(),
  );

  const backtestForm = headedForm(
    "adm-section x-panel",
    h("h2", { id: "adm-bt-title" }, "Backtest"),
    [
      h(
        "p",
        { class: "x-muted" },
        "Replays the rule set in the editor over the site's recent comments (with their stored scores) and compares with what happened.",
      ),
      ui.since.row,
      ui.limit.row,
      h("button", { type: "submit", class: "x-button x-primary" }, "Run backtest"),
      ui.backtestResult,
    ],
    () => backtest(),
  );

  fill(
    main,
    h("div", { class: "adm-grid" }, editorForm, h("div", {}, dryForm, backtestForm)),
    h(
      "section",
      { class: "adm-section", "aria-labelledby": "adm-history-title" },
      h("h2", { id: "adm-history-title" }, "History"),
      ui.history,
      ui.historyMore,
    ),
  );
  await Promise.all([loadRules(), loadHistory(true)]);
}

// --- the editor ----------------------------------------------------------------------------------------------

async function loadRules() {
  try {
    const rules = await api.get(R());
    state.version = rules.version;
    ui.version.textContent = `(version ${rules.version})`;
    ui.editor.value = JSON.stringify(rules.rules, null, 2);
    showErrors([]);
    ui.status.textContent = `Loaded version ${rules.version}.`;
  } catch (e) {
    ui.status.textContent = e.message;
  }
}

function format() {
  const doc = parse();
  if (doc !== undefined) ui.editor.value = JSON.stringify(doc, null, 2);
}

/** The editor's JSON, or undefined after showing where it does not parse. */
function parse() {
  try {
    const doc = JSON.parse(ui.editor.value);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc))
      throw new SyntaxError("The rule set is a JSON object: { ... }");
    return doc;
  } catch (e) {
    const at = /position (\d+)/.exec(e.message);
    showErrors([{ pointer: "", message: `Not valid JSON: ${e.message}`, at: at ? Number(at[1]) : null }]);
    ui.status.textContent = "The JSON does not parse.";
    return undefined;
  }
}

function checkSyntax() {
  if (parse() !== undefined) {
    showErrors([]);
    ui.status.textContent = "The JSON parses. Save (or run a dry-run) to have the service check every rule.";
  }
}

async function save() {
  const doc = parse();
  if (doc === undefined) return;
  try {
    const saved = await api.request("PUT", R(), { body: doc, headers: { "If-Match": `"${state.version}"` } });
    state.version = saved.version;
    ui.version.textContent = `(version ${saved.version})`;
    ui.editor.value = JSON.stringify(saved.rules, null, 2);
    showErrors([]);
    ui.status.textContent = `Saved as version ${saved.version}. New comments meet it from now on.`;
    say(ui.status.textContent);
    loadHistory(true);
  } catch (e) {
    showProblem(e);
  }
}

function showProblem(e) {
  const errors = e instanceof ApiError ? e.problem.errors || [] : [];
  showErrors(errors);
  ui.status.textContent = errors.length
    ? `${e.message} ${errors.length} problem${errors.length === 1 ? "" : "s"}:`
    : e.message;
  say(ui.status.textContent);
  if (errors.length) ui.errors.querySelector("button")?.focus();
}

function showErrors(errors) {
  fill(
    ui.errors,
    errors.map((error) =>
      h(
        "li",
        {},
        error.pointer || error.at !== undefined
          ? h(
              "button",
              { type: "button", class: "x-linkbutton", onclick: () => reveal(error) },
              h(
                "code",
                {},
                error.pointer || (error.at !== null && error.at !== undefined ? `character ${error.at}` : "(document)"),
              ),
            )
          : null,
        " ",
        error.message,
      ),
    ),
  );
  if (errors.length) ui.editor.setAttribute("aria-invalid", "true");
  else ui.editor.removeAttribute("aria-invalid");
}

/** Select the place an error points at: a character offset, or the last key of a JSON pointer. */
function reveal(error) {
  const text = ui.editor.value;
  let start = 0;
  let end = 0;
  if (typeof error.at === "number") {
    start = error.at;
    end = Math.min(text.length, error.at + 1);
  } else {
    for (const raw of String(error.pointer).split("/").slice(1)) {
      const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      if (/^\d+$/.test(key)) continue; // array positions: stay on the list's key
      const match = new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:`).exec(text.slice(start));
      if (!match) break;
      start += match.index;
      end = start + key.length + 2;
    }
  }
  ui.editor.focus();
  ui.editor.setSelectionRange(start, Math.max(start, end));
}

// --- dry-run and backtest ----------------------------------------------------------------------------------

async function dryRun() {
  const body = ui.dryBody.input.value;
  if (!body.trim()) {
    fill(ui.dryResult, h("p", { class: "x-error" }, "Write a sample comment first."));
    return ui.dryBody.input.focus();
  }
  const request = { body };
  if (ui.dryProposed.checked) {
    const doc = parse();
    if (doc === undefined) return;
    request.rules = doc;
  }
  fill(ui.dryResult, h("p", { class: "x-muted" }, "Running…"));
  try {
    const r = await api.post(`${R()}/dry-run`, request);
    fill(
      ui.dryResult,
      h(
        "div",
        { class: "adm-result", dataset: { decision: r.decision } },
        h(
          "p",
          {},
          "Decision: ",
          h("span", { class: `x-badge x-badge--${r.decision} ${tone(r.decision)}` }, r.decision),
          r.flagged ? " (flagged for moderators)" : "",
        ),
        r.refused ? h("p", {}, "Refused before storing: ", r.refused.detail || r.refused.type || "") : null,
        r.hits.length
          ? h(
              "ul",
              { "aria-label": "Rule hits" },
              r.hits.map((x) => h("li", {}, h("code", {}, x.code), ` ${x.action}: ${x.message}`)),
            )
          : h("p", { class: "x-muted" }, "No rule hits."),
        r.scores
          ? scoreList(r.scores, r.model)
          : h("p", { class: "x-muted" }, "No toxicity scores (the model is off or unavailable)."),
      ),
    );
    say(`Dry-run: ${r.decision}.`);
  } catch (e) {
    fill(ui.dryResult);
    showProblem(e);
  }
}

async function backtest() {
  const doc = parse();
  if (doc === undefined) return;
  const request = { rules: doc, limit: Number(ui.limit.input.value) || 10000 };
  if (ui.since.input.value) request.since = new Date(ui.since.input.value).toISOString();
  fill(ui.backtestResult, h("p", { class: "x-muted" }, "Replaying…"));
  try {
    const r = await api.post(`${R()}/backtest`, request);
    const rep = r.report;
    const statuses = ["published", "held", "rejected"];
    fill(
      ui.backtestResult,
      h(
        "div",
        { class: "adm-result" },
        h("p", {}, `${r.replayed} comments replayed in ${r.seconds.toFixed(2)} s; ${rep.changed} would change.`),
        h(
          "table",
          { class: "adm-table" },
          h("caption", { class: "x-sr" }, "What happened (rows) and what the rules would do (columns)"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "was ↓ / would be →"),
              statuses.map((s) => h("th", { scope: "col" }, s)),
            ),
          ),
          h(
            "tbody",
            {},
            statuses.map((was) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, was),
                statuses.map((now) => h("td", {}, String((rep.matrix[was] || {})[now] || 0))),
              ),
            ),
          ),
        ),
        h(
          "ul",
          {},
          h("li", {}, `Approved by moderators, now held: ${rep.approved_now_held}`),
          h("li", {}, `Approved by moderators, now rejected: ${rep.approved_now_rejected}`),
          h("li", {}, `Rejected by moderators, now published: ${rep.rejected_now_published}`),
          h("li", {}, `Published but flagged for moderators: ${rep.would_be_flagged}`),
        ),
        Object.entries(rep.examples)
          .filter(([, list]) => list.length)
          .map(([change, list]) =>
            h(
              "details",
              {},
              h("summary", {}, `${change.replaceAll("_", " ")} (${list.length} examples)`),
              h(
                "ul",
                {},
                list.map((x) =>
                  h(
                    "li",
                    {},
                    `“${x.excerpt}” ${x.old_status} → ${x.new_status}`,
                    x.reasons.length ? ` (${x.reasons.map((q) => q.code).join(", ")})` : "",
                  ),
                ),
              ),
            ),
          ),
      ),
    );
    say(`Backtest: ${rep.changed} of ${r.replayed} would change.`);
  } catch (e) {
    fill(ui.backtestResult);
    showProblem(e);
  }
}

// --- history ---------------------------------------------------------------------------------------------

async function loadHistory(reset) {
  if (reset) {
    state.historyCursor = null;
    fill(ui.history);
  }
  try {
    const page = await api.get(`${R()}/history`, { cursor: state.historyCursor, limit: 20 });
    state.historyCursor = page.next_cursor;
    ui.historyMore.hidden = !page.next_cursor;
    if (reset && !page.items.length)
      fill(ui.history, h("li", { class: "x-muted" }, "No changes yet: the site uses the defaults."));
    for (const entry of page.items) {
      ui.history.append(
        h(
          "li",
          {},
          timeEl(entry.at),
          " · ",
          h("code", {}, entry.action),
          entry.version ? ` · version ${entry.version}` : "",
          entry.article ? ` · article ${entry.article}` : "",
          ` · by ${entry.actor || "the system"}`,
          h(
            "details",
            {},
            h("summary", {}, "Before and after"),
            h("pre", { "aria-label": "Before" }, JSON.stringify(entry.before, null, 2)),
            h("pre", { "aria-label": "After" }, JSON.stringify(entry.after, null, 2)),
          ),
        ),
      );
    }
  } catch (e) {
    fill(ui.history, h("li", { class: "x-error" }, e.message));
  }
}
