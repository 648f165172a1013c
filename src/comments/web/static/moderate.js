// The moderator's page: the queue of held, flagged and reported comments of one site, with decisions,
// claims, bulk decisions, sanctions and keyboard shortcuts. New items arrive by polling.

import { ApiError, enc, field, fill, h, setFieldError, timeEl, tone } from "./lib.js";
import { maybeLink, scoreList, startStaffPage, typing } from "./staff.js";

const POLL_MS = Number(document.body.dataset.pollMs) || 5000;
const REASONS = [
  ["offensive", "Offensive"],
  ["abusive", "Abusive"],
  ["spam", "Spam"],
  ["off_topic", "Off topic"],
  ["personal_information", "Personal information"],
  ["hate_speech", "Hate speech"],
  ["misinformation", "Misinformation"],
  ["other", "Other (say why in the note)"],
];
const WHY = { held: "Held", reported: "Reported", flagged: "Flagged" };


const state = {
  site: null,
  tab: "all", // "all" | "reported" | a reason code
  sort: "oldest",
  items: [],
  cursor: null,
  counts: null,
  selected: new Set(),
  current: 0,
  decided: new Set(), // ids decided here: a poll that still sees them must not bring them back
  timer: null,
};

const ui = {};

const { api, main, say } = startStaffPage({ role: "moderator", onSite: (site) => openSite(site) });

const Q = () => `/api/v1/sites/${enc(state.site)}/moderation`;

// --- layout ------------------------------------------------------------------------------------------------

async function openSite(site) {
  Object.assign(state, { site, tab: "all", items: [], cursor: null, selected: new Set(), current: 0 });
  ui.tabs = h("div", { class: "mod-tabs", role: "tablist", "aria-label": "Queue" });
  ui.sort = h(
    "select",
    { id: "mod-sort", onchange: () => reload() },
    h("option", { value: "oldest" }, "Oldest first"),
    h("option", { value: "toxicity" }, "Most toxic first"),
    h("option", { value: "reports" }, "Most reported first"),
  );
  ui.bulkCount = h("span", { class: "mod-bulk-count" }, "0 selected");
  ui.bulkReason = h(
    "select",
    { id: "mod-bulk-reason" },
    REASONS.map(([v, l]) => h("option", { value: v }, l)),
  );
  ui.list = h("ol", { class: "mod-queue", "aria-label": "Comments waiting for a decision" });
  ui.empty = h(
    "p",
    { class: "x-notice", tabindex: "-1", hidden: true },
    "Nothing waits for a decision. New items appear here by themselves.",
  );
  ui.more = h("button", { type: "button", class: "x-button", hidden: true, onclick: () => load(false) }, "Load more");
  fill(
    main,
    h("h2", { class: "x-sr" }, `Queue of ${site}`),
    ui.tabs,
    h(
      "div",
      { class: "mod-toolbar" },
      h("span", {}, h("label", { for: "mod-sort" }, "Sort "), ui.sort),
      h(
        "span",
        { class: "mod-bulk", role: "group", "aria-label": "Bulk decisions" },
        h("button", { type: "button", class: "x-linkbutton", onclick: selectAll }, "Select all"),
        ui.bulkCount,
        h("button", { type: "button", class: "x-button", onclick: () => bulk("approve") }, "Approve selected"),
        h("label", { for: "mod-bulk-reason" }, "Reason"),
        ui.bulkReason,
        h("button", { type: "button", class: "x-button x-danger", onclick: () => bulk("reject") }, "Reject selected"),
      ),
    ),
    h(
      "p",
      { class: "mod-keys", id: "mod-keys" },
      "Keys: ",
      ...[
        ["j", "next"],
        ["k", "previous"],
        ["a", "approve"],
        ["r", "reject"],
        ["c", "claim"],
        ["x", "select"],
        ["s", "sanction author"],
      ].flatMap(([key, what]) => [h("kbd", {}, key), ` ${what} `]),
    ),
    ui.list,
    ui.empty,
    ui.more,
  );
  await Promise.all([loadCounts(), load(true)]);
  clearInterval(state.timer);
  state.timer = setInterval(poll, POLL_MS);
}

function renderTabs() {
  const c = state.counts || { total: 0, reported: 0, by_reason: {} };
  const tabs = [
    ["all", `All (${c.total})`],
    ["reported", `Reported (${c.reported})`],
    ...Object.entries(c.by_reason)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => [code, `${code.replaceAll("_", " ")} (${n})`]),
  ];
  fill(
    ui.tabs,
    tabs.map(([key, label]) =>
      h(
        "button",
        {
          type: "button",
          role: "tab",
          class: "mod-tab",
          "aria-selected": String(key === state.tab),
          dataset: { tab: key },
          onclick: () => {
            state.tab = key;
            renderTabs();
            reload();
          },
        },
        label,
      ),
    ),
  );
}

async function loadCounts() {
  try {
    state.counts = await api.get(`${Q()}/queue/counts`);
  } catch (e) {
    say(e.message);
  }
  renderTabs();
}

function filters() {
  const query = { sort: ui.sort.value, limit: 20 };
  if (state.tab === "reported") query.reported = "true";
  else if (state.tab !== "all") query.reason = state.tab;
  return query;
}

async function reload() {
  state.items = [];
  state.cursor = null;
  state.selected.clear();
  state.current = 0;
  await load(true);
}

async function load(reset) {
  try {
    const page = await api.get(`${Q()}/queue`, { ...filters(), cursor: reset ? null : state.cursor });
    const known = new Set(state.items.map((i) => i.comment.id));
    state.items.push(...page.items.filter((i) => !known.has(i.comment.id)));
    state.cursor = page.next_cursor;
  } catch (e) {
    fill(ui.list, h("li", { class: "x-error", role: "alert" }, e.message));
    return;
  }
  renderList();
}

/** New items appear without a reload; items decided elsewhere are marked, not yanked away mid-read. */
async function poll() {
  if (document.hidden || !state.site) return;
  await loadCounts();
  if (state.cursor) return; // more pages to read first: new items arrive at their place when loaded
  let page;
  try {
    page = await api.get(`${Q()}/queue`, { ...filters(), limit: 100 });
  } catch {
    return;
  }
  const known = new Map(state.items.map((i) => [i.comment.id, i]));
  const fresh = page.items.filter((i) => !known.has(i.comment.id) && !state.decided.has(i.comment.id));
  for (const item of page.items) {
    const mine = known.get(item.comment.id);
    if (mine && JSON.stringify(mine.claim) !== JSON.stringify(item.claim)) {
      mine.claim = item.claim;
      rerender(mine);
    }
  }
  if (fresh.length) {
    state.items.push(...fresh);
    for (const item of fresh) ui.list.append(renderItem(item, true));
    ui.empty.hidden = true;
    say(`${fresh.length} new in the queue.`);
  }
}

function renderList() {
  fill(
    ui.list,
    state.items.map((item) => renderItem(item)),
  );
  ui.empty.hidden = state.items.length > 0;
  ui.more.hidden = !state.cursor;
  updateBulk();
  mark(state.current, false);
}

// --- an item -------------------------------------------------------------------------------------------------

function renderItem(item, isNew = false) {
  const c = item.comment;
  const id = `q-${c.id}`;
  const a = item.author;
  const select = h("input", {
    type: "checkbox",
    class: "mod-select",
    checked: state.selected.has(c.id),
    "aria-label": `Select the comment by ${a.display_name || "this author"}`,
    onchange: (e) => {
      if (e.target.checked) state.selected.add(c.id);
      else state.selected.delete(c.id);
      updateBulk();
    },
  });
  const slot = h("div", { class: "mod-slot" });
  const node = h(
    "li",
    { id, class: `mod-item${isNew ? " mod-item--new" : ""}`, dataset: { id: c.id } },
    h(
      "article",
      // focusin: a button inside the item makes it the current one too, so the keys act on what has focus.
      { tabindex: "-1", "aria-labelledby": `${id}-title`, onfocusin: () => mark(state.items.indexOf(item), false) },
      h(
        "header",
        { class: "mod-item__head" },
        select,
        h(
          "h3",
          { id: `${id}-title`, class: "mod-item__title" },
          maybeLink(item.article.url, item.article.title || item.article.id),
        ),
        h(
          "span",
          { class: "mod-why" },
          item.why.map((w) => h("span", { class: `x-badge x-badge--${w} ${tone(w)}` }, WHY[w] || w)),
        ),
        timeEl(c.created_at),
      ),
      claimLine(item),
      item.parent
        ? h(
            "blockquote",
            { class: "mod-parent" },
            h("p", { class: "mod-parent__by" }, `In reply to ${item.parent.author_name || "a reader"}:`),
            h("p", {}, item.parent.body === null ? "(removed)" : item.parent.body),
          )
        : null,
      h("p", { class: "mod-body" }, bodyWithSpans(c.body, item.spans)),
      c.edited_at ? h("p", { class: "x-muted" }, "Edited ", timeEl(c.edited_at)) : null,
      authorLine(a),
      scores(item),
      item.reasons.length
        ? h(
            "ul",
            { class: "mod-hits", "aria-label": "Rule hits" },
            item.reasons.map((r) =>
              h(
                "li",
                {},
                h("code", {}, r.code),
                ` ${r.action}: ${r.message}`,
                r.detail && r.detail.summary ? [" ", h("code", {}, r.detail.summary)] : null,
              ),
            ),
          )
        : null,
      item.reports.length
        ? h(
            "div",
            { class: "mod-reports" },
            h("p", {}, `${item.open_reports} open report${item.open_reports === 1 ? "" : "s"}:`),
            h(
              "ul",
              {},
              item.reports.map((r) =>
                h(
                  "li",
                  {},
                  h("strong", {}, r.reason.replaceAll("_", " ")),
                  r.note ? `: ${r.note}` : "",
                  " · ",
                  timeEl(r.created_at),
                ),
              ),
            ),
          )
        : null,
      h(
        "div",
        { class: "mod-actions", role: "group", "aria-label": "Decide" },
        h("button", { type: "button", class: "x-button x-good", onclick: () => approve(item) }, "Approve"),
        h("button", { type: "button", class: "x-button x-danger", onclick: () => openReject(item) }, "Reject…"),
        item.claim && item.claim.mine
          ? h("button", { type: "button", class: "x-button", onclick: () => release(item) }, "Release")
          : h("button", { type: "button", class: "x-button", onclick: () => claim(item) }, "Claim"),
        h("button", { type: "button", class: "x-button", onclick: () => openSanction(item) }, "Sanction author…"),
      ),
      slot,
    ),
  );
  return node;
}

function claimLine(item) {
  if (!item.claim) return null;
  const until = new Date(item.claim.expires_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return h(
    "p",
    { class: `mod-claim${item.claim.mine ? " mod-claim--mine" : ""}` },
    item.claim.mine
      ? `You claimed this until ${until}.`
      : `Claimed by ${item.claim.moderator_name || "another moderator"} until ${until}.`,
  );
}

function authorLine(a) {
  const n = a.counts;
  return h(
    "p",
    { class: "mod-author" },
    h("strong", {}, a.display_name || "(no display name)"),
    ` · account ${a.account_age_days} day${a.account_age_days === 1 ? "" : "s"} old`,
    ` · ${n.published} published, ${n.held} held, ${n.rejected} rejected on this site`,
    a.active_sanctions.length
      ? h(
          "span",
          { class: "mod-sanctioned" },
          " · ",
          a.active_sanctions
            .map((s) => `${s.kind}${s.until ? ` until ${new Date(s.until).toLocaleString()}` : ""}`)
            .join(", "),
        )
      : null,
  );
}

function scores(item) {
  if (!item.scores) return h("p", { class: "x-muted" }, "No toxicity scores (the model could not score it).");
  return scoreList(item.scores, item.model);
}

function rerender(item) {
  const node = document.getElementById(`q-${item.comment.id}`);
  if (node) node.replaceWith(renderItem(item));
}

// --- moving around ---------------------------------------------------------------------------------------

function mark(index, focus = true) {
  if (!state.items.length) return;
  state.current = Math.max(0, Math.min(index, state.items.length - 1));
  ui.list
    .querySelectorAll(".mod-item")
    .forEach((li, i) => li.classList.toggle("mod-item--current", i === state.current));
  if (focus) ui.list.children[state.current]?.querySelector("article").focus();
}

function currentItem() {
  return state.items[state.current];
}

document.addEventListener("keydown", (event) => {
  if (!ui.list || typing(event)) return;
  const item = currentItem();
  const keys = {
    j: () => mark(state.current + 1),
    k: () => mark(state.current - 1),
    a: () => item && approve(item),
    r: () => item && openReject(item),
    c: () => item && (item.claim && item.claim.mine ? release(item) : claim(item)),
    x: () => item && toggleSelect(item),
    s: () => item && openSanction(item),
  };
  if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
  }
});

function toggleSelect(item) {
  const id = item.comment.id;
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  const box = document.querySelector(`#q-${CSS.escape(id)} .mod-select`);
  if (box) box.checked = state.selected.has(id);
  updateBulk();
}

function selectAll() {
  const all = state.items.length && state.items.every((i) => state.selected.has(i.comment.id));
  state.selected = new Set(all ? [] : state.items.map((i) => i.comment.id));
  ui.list.querySelectorAll(".mod-select").forEach((box) => {
    box.checked = !all;
  });
  updateBulk();
}

function updateBulk() {
  if (ui.bulkCount) ui.bulkCount.textContent = `${state.selected.size} selected`;
}

// --- decisions ---------------------------------------------------------------------------------------------

function slotOf(item) {
  return document.querySelector(`#q-${CSS.escape(item.comment.id)} .mod-slot`);
}

/** The item leaves the list; the next one takes the focus. */
function done(item, message) {
  state.decided.add(item.comment.id);
  state.selected.delete(item.comment.id);
  const index = state.items.indexOf(item);
  state.items.splice(index, 1);
  document.getElementById(`q-${item.comment.id}`)?.remove();
  ui.empty.hidden = state.items.length > 0;
  updateBulk();
  if (state.items.length) mark(index);
  else ui.empty.focus();
  say(message);
  loadCounts();
}

async function decide(item, body) {
  try {
    await api.post(`/api/v1/moderation/comments/${enc(item.comment.id)}/decision`, {
      ...body,
      version: item.comment.version,
    });
  } catch (e) {
    const slot = slotOf(item);
    if (slot) fill(slot, h("p", { class: "x-error", role: "alert" }, e.message));
    // A stale decision says the comment's state now: the next decision is about what it is now.
    if (e.status === 409 && e.problem.current) Object.assign(item.comment, e.problem.current);
    return false;
  }
  return true;
}

async function approve(item) {
  if (await decide(item, { action: "approve" })) done(item, "Approved: it is published.");
}

function reasonField(id) {
  return field(
    id,
    "Reason",
    h(
      "select",
      {},
      h("option", { value: "" }, "Choose a reason"),
      REASONS.map(([v, l]) => h("option", { value: v }, l)),
    ),
  );
}

function openReject(item) {
  const id = `rj-${item.comment.id}`;
  const reason = reasonField(`${id}-reason`);
  const note = field(`${id}-note`, "Note (for the audit log)", h("textarea", { rows: "2", maxlength: "2000" }));
  const form = h(
    "form",
    { class: "mod-form", novalidate: true, "aria-label": "Reject" },
    reason.row,
    note.row,
    h(
      "div",
      { class: "mod-form__buttons" },
      h("button", { type: "submit", class: "x-button x-danger" }, "Reject"),
      h("button", { type: "button", class: "x-button", onclick: () => fill(slotOf(item)) }, "Cancel"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = reason.input.value;
    setFieldError(reason, code ? null : "Choose a reason.");
    setFieldError(note, code === "other" && !note.input.value.trim() ? "Say why: 'other' needs a note." : null);
    if (!code) return reason.input.focus();
    if (code === "other" && !note.input.value.trim()) return note.input.focus();
    const ok = await decide(item, { action: "reject", reason_code: code, note: note.input.value.trim() || null });
    if (ok) done(item, "Rejected.");
  });
  fill(slotOf(item), form);
  reason.input.focus();
}

function claim(item) {
  return setClaim(item, true);
}

function release(item) {
  return setClaim(item, false);
}

/** Claims an item for 5 minutes, or releases it; either way the focus goes back to its card. */
async function setClaim(item, claiming) {
  const url = `/api/v1/moderation/comments/${enc(item.comment.id)}/claim`;
  try {
    if (claiming) {
      item.claim = await api.post(url, { minutes: 5 });
    } else {
      await api.delete(url);
      item.claim = null;
    }
    rerender(item);
    say(claiming ? "Claimed for 5 minutes." : "Released.");
  } catch (e) {
    fill(slotOf(item), h("p", { class: "x-error", role: "alert" }, e.message));
  }
  document.querySelector(`#q-${CSS.escape(item.comment.id)} article`)?.focus();
}

async function bulk(action) {
  const chosen = state.items.filter((i) => state.selected.has(i.comment.id));
  if (!chosen.length) return say("Select comments first (x, or their boxes).");
  const body = { action, items: chosen.map((i) => ({ id: i.comment.id, version: i.comment.version })) };
  if (action === "reject") body.reason_code = ui.bulkReason.value;
  if (action === "reject" && body.reason_code === "other") return say("Bulk rejections need a specific reason.");
  let outcome;
  try {
    outcome = await api.post(`${Q()}/decisions`, body);
  } catch (e) {
    return say(e.message);
  }
  const byId = new Map(chosen.map((i) => [i.comment.id, i]));
  for (const result of outcome.results) {
    const item = byId.get(result.id);
    if (!item) continue;
    if (result.ok) {
      state.decided.add(item.comment.id);
      state.selected.delete(item.comment.id);
      state.items.splice(state.items.indexOf(item), 1);
      document.getElementById(`q-${item.comment.id}`)?.remove();
    } else {
      fill(
        slotOf(item),
        h("p", { class: "x-error", role: "alert" }, result.detail || `Not decided (${result.status}).`),
      );
    }
  }
  ui.empty.hidden = state.items.length > 0;
  updateBulk();
  mark(state.current);
  say(`${outcome.decided} ${action === "approve" ? "approved" : "rejected"}.`);
  loadCounts();
}

function openSanction(item) {
  const id = `sn-${item.comment.id}`;
  const kind = field(
    `${id}-kind`,
    "Sanction",
    h(
      "select",
      {},
      h("option", { value: "warn" }, "Warn (they acknowledge it before posting again)"),
      h("option", { value: "suspend" }, "Suspend for a while"),
      h("option", { value: "ban" }, "Ban from this site"),
    ),
  );
  const hours = field(
    `${id}-hours`,
    "Hours (suspensions)",
    h("input", { type: "number", min: "1", max: "8784", value: "24" }),
  );
  const reason = field(`${id}-reason`, "Reason (the reader sees it)", h("input", { type: "text", maxlength: "500" }));
  const rejectHeld = h("input", { type: "checkbox", id: `${id}-reject` });
  const form = h(
    "form",
    { class: "mod-form", novalidate: true, "aria-label": `Sanction ${item.author.display_name || "the author"}` },
    kind.row,
    hours.row,
    reason.row,
    h(
      "div",
      { class: "x-check" },
      rejectHeld,
      h("label", { for: rejectHeld.id }, "Also reject their comments waiting in the queue"),
    ),
    h(
      "div",
      { class: "mod-form__buttons" },
      h("button", { type: "submit", class: "x-button x-danger" }, "Sanction"),
      h("button", { type: "button", class: "x-button", onclick: () => fill(slotOf(item)) }, "Cancel"),
    ),
  );
  const syncHours = () => {
    hours.row.hidden = kind.input.value !== "suspend";
  };
  kind.input.addEventListener("change", syncHours);
  syncHours();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(reason, reason.input.value.trim() ? null : "Give a reason: the reader sees it.");
    if (!reason.input.value.trim()) return reason.input.focus();
    const body = { kind: kind.input.value, reason: reason.input.value.trim(), reject_held: rejectHeld.checked };
    if (body.kind === "suspend") body.duration_hours = Number(hours.input.value) || 24;
    try {
      const sanction = await api.post(`/api/v1/sites/${enc(state.site)}/users/${enc(item.author.id)}/sanctions`, body);
      item.author.active_sanctions.push(sanction);
      rerender(item);
      const words = { warn: "warned", suspend: "suspended", ban: "banned" };
      const message = `${item.author.display_name || "The author"} is ${words[sanction.kind]}.`;
      fill(slotOf(item), h("p", { class: "x-ok", role: "status" }, message));
      say(message);
      if (sanction.rejected_comments) reload();
    } catch (e) {
      const fields = e instanceof ApiError ? e.fieldErrors() : {};
      setFieldError(reason, fields.reason || (Object.keys(fields).length ? null : e.message));
      setFieldError(hours, fields.duration_hours || fields.until || null);
    }
  });
  fill(slotOf(item), form);
  kind.input.focus();
}

/** The body as text nodes, the words the model held it for in <mark> (label and score in the title). Span
 * offsets count code points (Python's), so the body is cut as an array of code points, not UTF-16 units. */
function bodyWithSpans(body, spans) {
  if (!spans || !spans.length || body === null) return body;
  const chars = Array.from(body);
  const parts = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at || span.end > chars.length) continue; // overlapping or stale: leave the text plain
    parts.push(chars.slice(at, span.start).join(""));
    const mark = h("mark", { class: "mod-span", title: `${span.label} ${span.score.toFixed(2)}` });
    mark.textContent = chars.slice(span.start, span.end).join("");
    parts.push(mark);
    at = span.end;
  }
  parts.push(chars.slice(at).join(""));
  return parts;
}
