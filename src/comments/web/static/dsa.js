// The moderators' DSA tabs: notices of illegal content (Art. 16) and appeals (Art. 20) of one site, each
// with its decision form. Separate from the queue of held and reported comments.

import { enc, field, fill, h, setFieldError, timeEl } from "./lib.js";
import { startStaffPage } from "./staff.js";

const state = { site: null, tab: "notices" };
const ui = {};

const { api, main, say } = startStaffPage({ role: "moderator", onSite: (site) => openSite(site) });

function waited(seconds) {
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} days`;
}

function select(options) {
  return h(
    "select",
    {},
    options.map(([v, l]) => h("option", { value: v }, l)),
  );
}

async function openSite(site) {
  state.site = site;
  ui.tabs = h("div", { class: "mod-tabs", role: "tablist", "aria-label": "DSA" });
  ui.list = h("ol", { class: "mod-queue" });
  fill(main, h("h2", { class: "x-sr" }, `Notices and appeals of ${site}`), ui.tabs, ui.list);
  await show(state.tab);
}

async function show(tab) {
  state.tab = tab;
  fill(
    ui.tabs,
    [
      ["notices", "Notices"],
      ["appeals", "Appeals"],
    ].map(([key, label]) =>
      h(
        "button",
        { type: "button", role: "tab", class: "mod-tab", "aria-selected": String(key === tab), onclick: () => show(key) },
        label,
      ),
    ),
  );
  let page;
  try {
    page = await api.get(`/api/v1/sites/${enc(state.site)}/moderation/${tab}`, { status: "open" });
  } catch (e) {
    fill(ui.list, h("li", { class: "x-error", role: "alert" }, e.message));
    return;
  }
  fill(ui.list, page.items.map(tab === "notices" ? noticeItem : appealItem));
  if (!page.items.length) fill(ui.list, h("li", { class: "x-notice" }, `No open ${tab}.`));
}

function noticeItem(n) {
  const action = field(`n-${n.id}-action`, "Decision", select([["remove", "Remove"], ["restrict", "Restrict (hide)"], ["keep", "Keep"]]));
  const ground = field(`n-${n.id}-ground`, "Ground", select([["illegal", "Illegal"], ["terms", "Against our terms"], ["not_illegal", "Not illegal"]]));
  const why = field(`n-${n.id}-why`, "Explanation (sent to the notifier and the author)", h("textarea", { rows: "2" }));
  const law = field(`n-${n.id}-law`, "Legal reference (for illegal)", h("input", { type: "text" }));
  const unfounded = h("input", { type: "checkbox", id: `n-${n.id}-unfounded` });
  const item = h(
    "li",
    { class: "mod-item dsa-notice", dataset: { id: n.id } },
    h("p", {}, h("strong", {}, n.category_label), " · received ", timeEl(n.received_at), ` · waiting ${waited(n.seconds_since_receipt)}`),
    h("blockquote", { class: "mod-body" }, n.comment.body),
    h("p", {}, "Why illegal: ", n.explanation),
    h("p", {}, "Law: ", n.legal_ground),
    h("p", { class: "x-hint" }, `Notifier: ${n.reporter_name || "anonymous"}${n.reporter_email ? ` <${n.reporter_email}>` : ""} · ${n.notifier_unfounded_notices} manifestly unfounded notices in 12 months`),
  );
  item.append(
    decisionForm(item, why, {
      label: "Decide the notice",
      rows: [action.row, ground.row, why.row, law.row, h("label", {}, unfounded, " Manifestly unfounded")],
      send: (explanation) =>
        api.post(`/api/v1/moderation/notices/${enc(n.id)}/decision`, {
          action: action.input.value,
          ground: ground.input.value,
          explanation,
          legal_reference: law.input.value.trim() || null,
          manifestly_unfounded: unfounded.checked,
        }),
      done: ["Decided. The notifier and the author are told.", "Notice decided."],
      failed: (e) => (e.problem && e.problem.errors && e.problem.errors.map((x) => x.message).join(" ")) || e.message,
    }),
  );
  return item;
}

function appealItem(a) {
  const outcome = field(`a-${a.id}-outcome`, "Outcome", select([["upheld", "Uphold the decision"], ["reversed", "Reverse it"]]));
  const why = field(`a-${a.id}-why`, "Explanation (sent to the author)", h("textarea", { rows: "2" }));
  const item = h(
    "li",
    { class: "mod-item dsa-appeal", dataset: { id: a.id } },
    h("p", {}, h("strong", {}, a.statement.summary), " · received ", timeEl(a.received_at), ` · waiting ${waited(a.seconds_since_receipt)}`),
    a.comment_body ? h("blockquote", { class: "mod-body" }, a.comment_body) : null,
    h("p", {}, "Facts: ", a.statement.facts),
    h("p", {}, "The author says: ", a.explanation),
  );
  item.append(
    decisionForm(item, why, {
      label: "Decide the appeal",
      rows: [outcome.row, why.row],
      send: (explanation) =>
        api.post(`/api/v1/moderation/appeals/${enc(a.id)}/decision`, { outcome: outcome.input.value, explanation }),
      done: ["Decided. The author is told.", "Appeal decided."],
      failed: (e) => (e.status === 403 ? "You took this decision: another moderator must review the appeal." : e.message),
    }),
  );
  return item;
}

/** The decision form of a notice or an appeal `item`. Every decision needs an explanation (the `why` field);
 * send(explanation) posts it, then the item gives way to done = [what it says, what is announced]. */
function decisionForm(item, why, { label, rows, send, done, failed }) {
  const status = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "mod-form", "aria-label": label, novalidate: true },
    rows,
    h("button", { type: "submit", class: "x-button" }, "Decide"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const explanation = why.input.value.trim();
    setFieldError(why, explanation ? null : "Explain the decision.");
    if (!explanation) return why.input.focus();
    try {
      await send(explanation);
      fill(item, h("p", { role: "status" }, done[0]));
      say(done[1]);
    } catch (e) {
      status.textContent = failed(e);
    }
  });
  return form;
}
