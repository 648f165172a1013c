// The comment section, running in its own iframe (see embed.js). It reads and writes through the public JSON
// API, keeps the reader's session token in the iframe's own storage, and tells the parent page its height.
//
// Every piece of user text (comment bodies, names, reasons, guidelines) is put in the page as text.

import { accountPanel, forgotForm, verificationNotice } from "./account-panel.js";
import {
  Api,
  ApiError,
  TokenStore,
  enc,
  field,
  fill,
  formatDate,
  h,
  headedForm,
  randomKey,
  setFieldError,
  timeEl,
  tone,
} from "./lib.js";

const app = document.getElementById("app");
const cfg = { ...app.dataset }; // site, siteName, article, url, title, parentOrigin, accent, sort, countries
const SITE = `/api/v1/sites/${enc(cfg.site)}`;
const ARTICLE = `${SITE}/articles/${enc(cfg.article)}`;
const ACK_WARNING = (sanctionId) => `/api/v1/me/sanctions/${enc(sanctionId)}/acknowledge`;

const tokens = new TokenStore("comments:reader-token");
const api = new Api(tokens, () => {
  state.me = null;
  state.block = null;
  render();
  say("Your session has ended. Log in again to comment.");
});

const state = {
  site: null, // GET /sites/{site}: rules_version, required_fields, max_body_length, edit_window_seconds...
  article: null,
  me: null, // GET /me?site=: profile, missing_fields, under_minimum_age
  closed: false,
  block: null, // {kind: "sanctioned" | "warning", problem}: what the posting gate said
  authMode: "login",
  sort: cfg.sort === "oldest" ? "oldest" : "newest",
  items: [], // top-level comments, replies nested under them
  cursor: null,
  total: 0,
  outcome: null, // the last top-level post's answer, shown above the box
  draft: "",
  draftKey: null, // Idempotency-Key of the draft being posted: a retry of the same text never posts twice
  guidelines: null,
  panelOpen: false, // the "Your account" panel
  ssoToken: null, // the publisher's sign-in token, handed over by embed.js (postMessage)
};

// What the account screens (account-panel.js) need from the widget.
const accountCtx = {
  api,
  cfg,
  me: () => state.me,
  say: (message) => say(message),
  ssoToken: () => state.ssoToken,
  loggedOut: (message) => endSession(message),
};

const PROFILE_FIELDS = ["display_name", "full_name", "country", "birth_year", "bio", "accepted_rules_version"];
const REPORT_REASONS = [
  ["offensive", "Offensive"],
  ["abusive", "Abusive towards others"],
  ["hate_speech", "Hate speech"],
  ["spam", "Spam or advertising"],
  ["personal_information", "Shares personal information"],
  ["misinformation", "Misinformation"],
  ["off_topic", "Off topic"],
  ["other", "Something else (say what below)"],
];
const STATUS_TITLE = { published: "Published.", held: "Held for review.", rejected: "Not published." };

// Layout: built once; sections re-render on their own.
const ui = {
  count: h("span", { class: "cw-count" }),
  account: h("div", { class: "cw-account" }),
  compose: h("section", { class: "cw-compose", "aria-label": "Write a comment" }),
  sort: h(
    "select",
    { id: "cw-sort", onchange: (e) => changeSort(e.target.value) },
    h("option", { value: "newest" }, "Newest first"),
    h("option", { value: "oldest" }, "Oldest first"),
  ),
  thread: h("ol", { class: "cw-thread", "aria-labelledby": "cw-heading" }),
  empty: h("p", { class: "cw-muted", hidden: true }, "No comments yet."),
  more: h(
    "button",
    { type: "button", class: "cw-button cw-more", hidden: true, onclick: () => loadThread(false) },
    "Show more comments",
  ),
  live: h("p", { class: "x-sr", role: "status", "aria-live": "polite" }),
};

function say(message) {
  // Clearing first makes screen readers announce the same message twice in a row too.
  ui.live.textContent = "";
  setTimeout(() => {
    ui.live.textContent = message;
  }, 50);
}

// --- start ---------------------------------------------------------------------------------------------

async function boot() {
  if (cfg.accent) document.documentElement.style.setProperty("--x-accent", cfg.accent);
  watchHeight();
  try {
    [state.site, state.article] = await Promise.all([api.get(SITE), openArticle()]);
  } catch (error) {
    fill(app, h("p", { class: "cw-notice", role: "alert" }, unavailable(error)));
    app.removeAttribute("aria-busy");
    return;
  }
  state.closed = state.article.closed;
  state.total = state.article.comment_count;
  ui.sort.value = state.sort;
  fill(
    app,
    h(
      "header",
      { class: "cw-head" },
      h("h2", { id: "cw-heading", class: "cw-heading" }, "Comments ", ui.count),
      h(
        "a",
        { class: "cw-link", href: `/sites/${enc(cfg.site)}/guidelines`, target: "_blank", rel: "noopener" },
        "Community guidelines",
      ),
    ),
    ui.account,
    ui.compose,
    h("div", { class: "cw-toolbar" }, h("label", { for: "cw-sort" }, "Sort"), ui.sort),
    ui.thread,
    ui.empty,
    ui.more,
    ui.live,
  );
  listenForSso();
  if (tokens.get()) await loadMe();
  render();
  await loadThread(true);
  app.removeAttribute("aria-busy");
}

/** Publisher single sign-on: embed.js answers "comments:ready" with the token the host page gave it
 * (data-sso-token, or commentsEmbed.login(token)). Only the parent origin embed.js named is believed. */
function listenForSso() {
  if (!cfg.parentOrigin || window.parent === window) return;
  addEventListener("message", async (event) => {
    const data = event.data;
    if (event.origin !== cfg.parentOrigin || event.source !== window.parent || !data) return;
    if (data.type !== "comments:sso" || typeof data.token !== "string" || data.token.length > 8192) return;
    state.ssoToken = data.token;
    if (loggedIn()) return;
    try {
      const session = await api.post("/api/v1/auth/sso", { site: cfg.site, token: data.token });
      tokens.set(session.token);
      await loadMe();
      await loadThread(true);
      render();
      say("You are signed in with your account on this site.");
    } catch (e) {
      say(`Signing in with this site's account did not work: ${retryText(e)}`);
    }
  });
  window.parent.postMessage({ type: "comments:ready" }, cfg.parentOrigin);
}

function unavailable(error) {
  if (error.status === 404) return "There is no comment section for this article.";
  return `Comments could not be loaded. ${error.message}`;
}

/** The article, created on first load when the site allows it and the page is on one of its origins. */
async function openArticle() {
  try {
    return await api.put(ARTICLE, { url: cfg.url || null, title: cfg.title.slice(0, 500) || null });
  } catch (error) {
    // Not ours to create (site key only, or an unlisted URL): it may still exist.
    if (error.status === 403 || error.status === 422) return api.get(ARTICLE);
    throw error;
  }
}

async function loadMe() {
  try {
    state.me = await api.get("/api/v1/me", { site: cfg.site });
  } catch (error) {
    state.me = null;
    if (error.status !== 401) say(error.message);
    return;
  }
  await loadSanctions();
}

/** A warning to acknowledge, a suspension or a ban on this site: shown before the reader writes anything. */
async function loadSanctions() {
  let mine;
  try {
    mine = await api.get("/api/v1/me/sanctions", { site: cfg.site });
  } catch {
    return; // the posting gate still says so when they post
  }
  const now = Date.now();
  const active = mine.items.filter((x) => x.active && (!x.until || Date.parse(x.until) > now));
  const ban = active.find((x) => x.kind === "ban");
  const suspension = active.find((x) => x.kind === "suspend");
  const warning = mine.items.find((x) => x.needs_acknowledgement);
  if (ban || suspension) {
    const detail = ban
      ? `You are banned from commenting on ${cfg.siteName}.`
      : `You are suspended from commenting on ${cfg.siteName} until ${new Date(suspension.until).toLocaleString()}.`;
    const sanction = ban || suspension;
    state.block = { kind: "sanctioned", problem: { detail, reason: sanction.reason, sanction_id: sanction.id } };
  } else if (warning) {
    state.block = { kind: "warning", problem: { reason: warning.reason, sanction_id: warning.id } };
  } else {
    state.block = null;
  }
}

/** The published count, here and (by message) in the article page's [data-comments-count] elements. */
function showCount() {
  ui.count.textContent = `(${state.total})`;
  if (cfg.parentOrigin && window.parent !== window && state.total !== showCount.sent) {
    showCount.sent = state.total;
    window.parent.postMessage({ type: "comments:count", count: state.total }, cfg.parentOrigin);
  }
}

/** The iframe is as tall as its content: tell the parent page (only the origin embed.js named). */
function watchHeight() {
  if (!cfg.parentOrigin || window.parent === window) return;
  let last = 0;
  const report = () => {
    const height = Math.ceil(app.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "comments:resize", height }, cfg.parentOrigin);
    }
  };
  new ResizeObserver(report).observe(app);
  report();
}

// --- header, account, compose ----------------------------------------------------------------------------

function render() {
  showCount();
  renderAccount();
  renderCompose();
}

function loggedIn() {
  return Boolean(state.me && tokens.get());
}

function renderAccount() {
  if (!loggedIn()) {
    fill(ui.account);
    return;
  }
  const name = state.me.profile.display_name || state.me.user.email;
  const toggle = h(
    "button",
    { type: "button", class: "cw-linkbutton", "aria-expanded": String(state.panelOpen), onclick: togglePanel },
    "Your account",
  );
  fill(
    ui.account,
    h(
      "div",
      { class: "cw-account-bar" },
      h("span", {}, "Signed in as ", h("strong", {}, name)),
      toggle,
      h("button", { type: "button", class: "cw-linkbutton", onclick: logout }, "Log out"),
    ),
    // Where confirming is all the site still needs, the compose area says so instead (verificationStep).
    state.me.user.email_verified || (state.me.profile_complete === false && onlyVerificationMissing())
      ? null
      : verificationNotice(accountCtx),
    state.panelOpen ? accountPanel(accountCtx, togglePanel) : null,
  );
}

function togglePanel() {
  state.panelOpen = !state.panelOpen;
  renderAccount();
  const target = state.panelOpen ? document.getElementById("cw-panel-title") : ui.account.querySelector("button");
  if (target) target.focus();
}

/** The session ended here (logged out, here or everywhere, account deleted): back to the logged-out view. */
async function endSession(message) {
  tokens.set(null);
  state.me = null;
  state.block = null;
  state.outcome = null;
  state.panelOpen = false;
  await loadThread(true);
  render();
  say(message);
  focusCompose();
}

function renderCompose() {
  if (state.closed) {
    fill(ui.compose, h("p", { class: "cw-notice cw-closed" }, "Comments are closed on this article."));
  } else if (!loggedIn()) {
    fill(ui.compose, state.authMode === "forgot" ? forgotForm(accountCtx, () => switchAuth("login")) : authForm());
  } else if (state.block && state.block.kind === "sanctioned") {
    fill(ui.compose, sanctionNotice(state.block.problem));
  } else if (state.block && state.block.kind === "warning") {
    fill(ui.compose, warningPanel(state.block.problem));
  } else if (state.me.under_minimum_age) {
    fill(
      ui.compose,
      h("p", { class: "cw-notice" }, `You must be older than ${state.me.minimum_age} to comment on ${cfg.siteName}.`),
    );
  } else if (state.me.profile_complete === false && onlyVerificationMissing()) {
    fill(ui.compose, verificationStep());
  } else if (state.me.profile_complete === false) {
    fill(ui.compose, profileStep());
  } else {
    fill(ui.compose, outcomeBox(state.outcome), commentBox());
  }
}

function onlyVerificationMissing() {
  return state.me.missing_fields.length === 1 && state.me.missing_fields[0] === "email_verified";
}

/** The site needs a verified address to comment: the notice, and a way to continue once it is done. */
function verificationStep() {
  const done = h("button", { type: "button", class: "cw-button x-primary" }, "I have confirmed it");
  done.addEventListener("click", async () => {
    await loadMe();
    render();
    if (state.me && state.me.profile_complete) say("Your address is confirmed. You can comment now.");
    else say("Your address is not confirmed yet. Open the link in the mail we sent.");
  });
  return h(
    "div",
    { class: "cw-profile" },
    h("h3", { id: "cw-profile-title", tabindex: "-1" }, "Confirm your email address to comment"),
    h("p", { class: "cw-muted" }, `${cfg.siteName} asks commenters to confirm their email address.`),
    verificationNotice(accountCtx),
    done,
  );
}

function authForm() {
  const register = state.authMode === "register";
  const email = field("cw-email", "Email", h("input", { type: "email", autocomplete: "email", required: true }));
  const password = field(
    "cw-password",
    "Password",
    h("input", { type: "password", autocomplete: register ? "new-password" : "current-password", required: true }),
    register ? "At least 10 characters." : null,
  );
  const error = h("p", { class: "x-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "cw-button x-primary" }, register ? "Create account" : "Log in");
  const form = headedForm(
    "cw-auth",
    h("h3", { id: "cw-auth-title", tabindex: "-1" }, register ? "Create an account to comment" : "Log in to comment"),
    [
      h(
        "p",
        {},
        register ? "Already have an account? " : "New here? ",
        h(
          "button",
          { type: "button", class: "cw-linkbutton", onclick: () => switchAuth(register ? "login" : "register") },
          register ? "Log in" : "Create an account",
        ),
        register
          ? null
          : [
              " · ",
              h("button", { type: "button", class: "cw-linkbutton", onclick: () => switchAuth("forgot") }, "Forgot password?"),
            ],
      ),
      email.row,
      password.row,
      error,
      submit,
    ],
    async () => {
      setFieldError(email, email.input.value.includes("@") ? null : "Enter your email address.");
      setFieldError(password, password.input.value ? null : "Enter your password.");
      error.hidden = true;
      if (!email.input.value.includes("@") || !password.input.value) return focusFirstError(form);
      submit.disabled = true;
      try {
        const path = register ? `/api/v1/auth/register?site=${enc(cfg.site)}` : "/api/v1/auth/login";
        const session = await api.post(path, {
          email: email.input.value.trim(),
          password: password.input.value,
        });
        tokens.set(session.token);
        await loadMe();
        // The thread again (the reader's own held comments, and which are theirs) before the signed-in view
        // appears, so nothing they open in it is wiped by a late reload.
        await loadThread(true);
        render();
        focusCompose();
        say(
          register
            ? "Account created. You are signed in. We sent you a mail to confirm your address."
            : "You are signed in.",
        );
      } catch (e) {
        submit.disabled = false;
        const fields = e instanceof ApiError ? e.fieldErrors() : {};
        setFieldError(email, fields.email || (e.code === "email-taken" ? e.message : null));
        setFieldError(password, fields.password || null);
        if (!fields.email && !fields.password && e.code !== "email-taken") {
          error.textContent = retryText(e);
          error.hidden = false;
        }
        focusFirstError(form);
      }
    },
  );
  return form;
}

function switchAuth(mode) {
  state.authMode = mode;
  renderCompose();
  document.getElementById(mode === "forgot" ? "cw-forgot-title" : "cw-auth-title").focus();
}

async function logout() {
  try {
    await api.post("/api/v1/auth/logout");
  } catch {
    /* the token is dropped here either way */
  }
  // The Log out button is gone with the session: the focus moves on to the login form.
  await endSession("You are signed out.");
}

/** "Complete your personal details to comment": exactly the fields the site still needs from this reader. */
function profileStep() {
  const me = state.me;
  const missing = PROFILE_FIELDS.filter((name) => me.missing_fields.includes(name));
  const fields = {};
  const rows = [];
  for (const name of missing) {
    if (name === "accepted_rules_version") continue;
    fields[name] = profileField(name, me.profile[name]);
    rows.push(fields[name].row);
  }
  let accept = null;
  if (missing.includes("accepted_rules_version")) {
    accept = guidelinesAcceptance();
    fields.accepted_rules_version = accept.field;
    rows.push(accept.row);
  }
  const error = h("p", { class: "x-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "cw-button x-primary" }, "Save and continue");
  const form = headedForm(
    "cw-profile",
    h("h3", { id: "cw-profile-title", tabindex: "-1" }, "Complete your personal details to comment"),
    [
      h(
        "p",
        { class: "cw-muted" },
        `${cfg.siteName} asks commenters for these details. Only your display name is shown with your comments.`,
      ),
      rows,
      error,
      submit,
    ],
    async () => {
      error.hidden = true;
      const values = {};
      let problems = 0;
      for (const [name, f] of Object.entries(fields)) {
        const [value, problem] = readProfileValue(name, f);
        setFieldError(f, problem);
        if (problem) problems += 1;
        else values[name] = value;
      }
      if (problems) {
        error.textContent = "Check the highlighted fields.";
        error.hidden = false;
        focusFirstError(form);
        return;
      }
      submit.disabled = true;
      try {
        state.me = await api.patch("/api/v1/me/profile", values, { site: cfg.site });
        state.block = null;
        render();
        if (state.me.profile_complete) {
          focusCompose();
          say("Your details are saved. You can comment now.");
        }
      } catch (e) {
        submit.disabled = false;
        const byField = e instanceof ApiError ? e.fieldErrors() : {};
        let shown = 0;
        for (const [name, f] of Object.entries(fields)) {
          setFieldError(f, byField[name] || null);
          if (byField[name]) shown += 1;
        }
        error.textContent = shown ? "Check the highlighted fields." : retryText(e);
        error.hidden = false;
        focusFirstError(form);
      }
    },
  );
  return form;
}

const NOT_SHOWN = "Not shown to other readers.";
/** The profile details typed in a text box: [label, the input's attributes, hint]. */
const PROFILE_INPUTS = {
  display_name: [
    "Display name",
    { autocomplete: "nickname", maxlength: "40" },
    "Shown with your comments: 2 to 40 letters, digits, spaces, dots or dashes.",
  ],
  full_name: ["Full name", { autocomplete: "name", maxlength: "120" }, NOT_SHOWN],
  birth_year: ["Year of birth", { inputmode: "numeric", autocomplete: "bday-year", maxlength: "4" }, NOT_SHOWN],
};

function profileField(name, current) {
  const value = current === null || current === undefined ? "" : String(current);
  if (name in PROFILE_INPUTS) {
    const [label, attrs, hint] = PROFILE_INPUTS[name];
    return field(`cw-${name}`, label, h("input", { type: "text", ...attrs, value }), hint);
  }
  if (name === "country") return field("cw-country", "Country", countrySelect(value), NOT_SHOWN);
  return field("cw-bio", "About you", h("textarea", { rows: "2", maxlength: "500" }, value));
}

function countrySelect(value) {
  let names = null;
  try {
    names = new Intl.DisplayNames([navigator.language, "en"], { type: "region" });
  } catch {
    /* old browser: codes only */
  }
  const options = cfg.countries
    .split(",")
    .map((code) => [code, (names && names.of(code)) || code])
    .sort((a, b) => a[1].localeCompare(b[1]));
  return h(
    "select",
    { autocomplete: "country" },
    h("option", { value: "" }, "Choose your country"),
    options.map(([code, name]) => h("option", { value: code, selected: code === value }, name)),
  );
}

/** The guidelines, readable right here, and the box to accept this version of them. */
function guidelinesAcceptance() {
  const text = h(
    "div",
    { class: "cw-guidelines", tabindex: "0", "aria-label": "The community guidelines" },
    "Loading…",
  );
  loadGuidelines().then((g) => fill(text, g ? g.text : "The guidelines could not be loaded."));
  const box = h("input", { type: "checkbox", id: "cw-accepted_rules_version" });
  const error = h("p", { class: "x-error", id: "cw-accepted_rules_version-error", hidden: true });
  box.setAttribute("aria-describedby", "cw-accepted_rules_version-error");
  const row = h(
    "fieldset",
    { class: "x-field cw-accept" },
    h("legend", {}, "Community guidelines"),
    text,
    h(
      "a",
      { class: "cw-link", href: `/sites/${enc(cfg.site)}/guidelines`, target: "_blank", rel: "noopener" },
      "Read the guidelines in a new tab",
    ),
    h(
      "div",
      { class: "cw-check" },
      box,
      h("label", { for: box.id }, "I have read and accept the community guidelines"),
    ),
    error,
  );
  return { row, field: { input: box, error, row } };
}

async function loadGuidelines() {
  if (!state.guidelines) {
    try {
      state.guidelines = await api.get(`${SITE}/guidelines`);
    } catch {
      return null;
    }
  }
  return state.guidelines;
}

/** [value, problem] for one field of the profile step. */
function readProfileValue(name, f) {
  if (name === "accepted_rules_version") {
    return f.input.checked ? [state.site.rules_version, null] : [null, "Accept the guidelines to comment."];
  }
  const raw = f.input.value.trim();
  if (name === "bio") return [raw || null, null];
  if (!raw) return [null, "This is required."];
  if (name === "birth_year") {
    return /^\d{4}$/.test(raw) ? [Number(raw), null] : [null, "Enter a four-digit year, such as 1984."];
  }
  return [raw, null];
}

function sanctionNotice(problem) {
  const slot = h("div", { class: "cw-slot" });
  return h(
    "div",
    { class: "cw-notice cw-sanctioned", role: "alert" },
    h("p", {}, h("strong", {}, problem.detail || "You cannot comment on this site right now.")),
    problem.reason ? h("p", {}, "Reason: ", problem.reason) : null,
    problem.sanction_id
      ? action("Statement of reasons and appeal", () => openSanctionStatement(problem.sanction_id, slot))
      : null,
    slot,
  );
}

async function openSanctionStatement(sanctionId, slot) {
  let list;
  try {
    list = await api.get("/api/v1/me/statements", { site: cfg.site });
  } catch (e) {
    fill(slot, h("p", { role: "status" }, retryText(e)));
    return;
  }
  const s = list.items.find((x) => x.sanction_id === sanctionId);
  if (!s) fill(slot, h("p", { class: "cw-muted", role: "status" }, "There is no statement of reasons for this."));
  else showStatement(s, { statement_id: s.id }, slot);
}

function warningPanel(problem) {
  const error = h("p", { class: "x-error", role: "alert", hidden: true });
  const button = h("button", { type: "button", class: "cw-button x-primary" }, "I understand");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.post(ACK_WARNING(problem.sanction_id));
      state.block = null;
      renderCompose();
      focusCompose();
      say("Thank you. You can comment again.");
    } catch (e) {
      button.disabled = false;
      error.textContent = retryText(e);
      error.hidden = false;
    }
  });
  return h(
    "div",
    { class: "cw-notice cw-warning", role: "alert", "aria-labelledby": "cw-warning-title" },
    h("h3", { id: "cw-warning-title", tabindex: "-1" }, "A moderator has warned you"),
    problem.reason ? h("p", {}, "Reason: ", problem.reason) : null,
    h("p", {}, "Please read the community guidelines. Acknowledge this warning to comment again."),
    button,
    error,
  );
}

function outcomeBox(outcome) {
  const box = h("div", { class: "cw-outcome-slot", role: "status" });
  if (outcome) fill(box, outcomeMessage(outcome));
  return box;
}

function outcomeMessage(outcome) {
  return h(
    "div",
    { class: `cw-outcome cw-outcome--${outcome.status} ${tone(outcome.status)}`, dataset: { status: outcome.status } },
    h("strong", {}, STATUS_TITLE[outcome.status] || outcome.status),
    " ",
    outcome.message,
  );
}

/** A text box with a character counter; used for new comments, replies and edits. */
function composer({ id, label, value, submitLabel, onSubmit, onCancel }) {
  const max = state.site.max_body_length;
  const textarea = h("textarea", { id, rows: "4", "aria-describedby": `${id}-count ${id}-error` });
  textarea.value = value || "";
  const counter = h("span", { class: "cw-counter", id: `${id}-count` });
  const error = h("p", { class: "x-error", id: `${id}-error`, role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "cw-button x-primary" }, submitLabel);
  const length = () => [...textarea.value.trim()].length; // code points, as the service counts them
  const update = () => {
    const n = length();
    counter.textContent = n > max ? `${n} / ${max}: ${n - max} too many` : `${n} / ${max}`;
    counter.classList.toggle("cw-counter--over", n > max);
  };
  textarea.addEventListener("input", update);
  update();
  const form = h(
    "form",
    { class: "cw-form", novalidate: true },
    h("label", { for: id }, label),
    textarea,
    h(
      "div",
      { class: "cw-form__foot" },
      counter,
      h(
        "span",
        { class: "cw-form__buttons" },
        onCancel ? h("button", { type: "button", class: "cw-button", onclick: onCancel }, "Cancel") : null,
        submit,
      ),
    ),
    error,
  );
  const showError = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const n = length();
    const problem = !n ? "Write something first." : n > max ? `Comments can be at most ${max} characters.` : null;
    showError(problem);
    if (problem) {
      textarea.focus();
      return;
    }
    submit.disabled = true;
    try {
      await onSubmit(textarea.value);
    } catch (e) {
      if (!handleGate(e)) {
        showError(retryText(e));
        textarea.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  return { form, textarea, showError };
}

function commentBox() {
  const box = composer({
    id: "cw-body",
    label: "Your comment",
    value: state.draft,
    submitLabel: "Post comment",
    onSubmit: async (text) => {
      state.draftKey = state.draftKey || randomKey();
      const outcome = await postComment(text, null, state.draftKey);
      state.draft = "";
      state.draftKey = null;
      state.outcome = outcome;
      addComment(outcome.comment);
      renderCompose();
      focusCompose();
      say(`${STATUS_TITLE[outcome.status]} ${outcome.message}`);
    },
  });
  box.textarea.addEventListener("input", () => {
    state.draft = box.textarea.value;
    state.draftKey = null; // new text, new request
  });
  return box.form;
}

function postComment(body, parentId, key) {
  return api.request("POST", `${ARTICLE}/comments`, {
    body: parentId ? { body, parent_id: parentId } : { body },
    headers: { "Idempotency-Key": key },
  });
}

/** The posting gate said no for a reason that changes what the reader can do: show that state. */
function handleGate(error) {
  if (!(error instanceof ApiError)) return false;
  switch (error.type) {
    case "profile-incomplete":
      Object.assign(state.me, {
        profile_complete: false,
        missing_fields: error.problem.missing_fields || [],
        under_minimum_age: Boolean(error.problem.under_minimum_age),
      });
      renderCompose();
      focusCompose();
      return true;
    case "sanctioned":
      state.block = { kind: "sanctioned", problem: error.problem };
      break;
    case "warning-unacknowledged":
      state.block = { kind: "warning", problem: error.problem };
      break;
    case "thread-closed":
      state.closed = true;
      rerenderThread();
      break;
    case "unauthenticated":
      break; // the Api already dropped the token
    default:
      return false;
  }
  render();
  focusCompose();
  return true;
}

function retryText(error) {
  if (error.type === "rate-limited" && error.problem.retry_after) {
    return `${error.message} Try again in ${error.problem.retry_after} seconds.`;
  }
  return error.message || "Something went wrong. Try again.";
}

function authorName(author, fallback) {
  if (author.deleted_account) return "Deleted account";
  return author.display_name || fallback;
}

/** Focus what the compose area now asks of the reader (in this order of preference). */
function focusCompose() {
  const target = [
    "#cw-profile-title",
    "#cw-warning-title",
    "#cw-body",
    "#cw-auth-title",
    "#cw-forgot-title",
    "[role=alert]",
    ".cw-notice",
  ]
    .map((selector) => ui.compose.querySelector(selector))
    .find(Boolean);
  if (target) {
    if (!target.hasAttribute("tabindex") && !/TEXTAREA|INPUT|BUTTON/.test(target.tagName)) target.tabIndex = -1;
    target.focus();
  }
}

function focusFirstError(form) {
  const bad = form.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
}

// --- the thread --------------------------------------------------------------------------------------------

async function changeSort(sort) {
  state.sort = sort;
  await loadThread(true);
  say(sort === "newest" ? "Newest comments first." : "Oldest comments first.");
}

async function loadThread(reset) {
  ui.more.disabled = true;
  try {
    const page = await api.get(`${ARTICLE}/comments`, {
      sort: state.sort,
      cursor: reset ? null : state.cursor,
      limit: 20,
    });
    if (reset) state.items = [];
    const seen = new Set(state.items.map((c) => c.id));
    state.items.push(...page.items.filter((c) => !seen.has(c.id)));
    state.cursor = page.next_cursor;
    state.total = page.total;
    rerenderThread();
    showCount();
  } catch (error) {
    say(`Comments could not be loaded. ${error.message}`);
  } finally {
    ui.more.disabled = false;
  }
}

function rerenderThread() {
  fill(
    ui.thread,
    state.items.map((c) => renderComment(c, c)),
  );
  ui.empty.hidden = state.items.length > 0;
  ui.more.hidden = !state.cursor;
}

function find(id, list = state.items, root = null) {
  for (const c of list) {
    if (c.id === id) return { comment: c, root: root || c, siblings: list };
    const inner = find(id, c.replies || [], root || c);
    if (inner) return inner;
  }
  return null;
}

function rerender(root) {
  const node = document.getElementById(`c-${root.id}`);
  if (node) node.replaceWith(renderComment(root, root));
}

function addComment(comment) {
  if (comment.parent_id) {
    const parent = find(comment.parent_id);
    if (!parent) return;
    (parent.comment.replies = parent.comment.replies || []).push(comment);
    parent.root.reply_count = (parent.root.reply_count || 0) + 1;
    rerender(parent.root);
  } else {
    if (state.sort === "newest") state.items.unshift(comment);
    else state.items.push(comment);
    rerenderThread();
  }
  if (comment.status === "published") state.total += 1;
  showCount();
}

const BADGES = {
  held: "Awaiting review: only you can see this comment until a moderator approves it.",
  rejected: "Not published: only you can see this comment.",
};

function renderComment(c, root) {
  const removed = c.status === "deleted";
  const labelId = `c-${c.id}-by`;
  const slot = h("div", { class: "cw-slot" });
  const item = h("li", {
    class: `cw-comment cw-comment--${c.status}${c.is_own ? " cw-comment--own" : ""}`,
    id: `c-${c.id}`,
    dataset: { id: c.id, status: c.status },
  });
  const meta = removed
    ? h("p", { class: "cw-meta", id: labelId }, "Comment removed")
    : h(
        "p",
        { class: "cw-meta" },
        h("span", { class: "cw-author", id: labelId }, authorName(c.author, "A reader")),
        c.is_own ? h("span", { class: "cw-you" }, " (you)") : null,
        " · ",
        timeEl(c.created_at),
        c.edited_at ? h("span", { class: "cw-edited" }, " · edited") : null,
      );
  const art = h(
    "article",
    { "aria-labelledby": labelId },
    meta,
    c.is_own && BADGES[c.status] ? h("p", { class: `cw-badge cw-badge--${c.status} ${tone(c.status)}` }, BADGES[c.status]) : null,
    removed ? null : h("p", { class: "cw-body" }, c.body),
    c.is_own && c.reasons && c.reasons.length
      ? h(
          "ul",
          { class: "cw-reasons", "aria-label": "Why" },
          c.reasons.map((r) => h("li", {}, r.message)),
        )
      : null,
    removed ? null : actions(c, root, slot),
    slot,
  );
  item.append(art);
  if (c.replies && c.replies.length) {
    item.append(
      h(
        "ol",
        { class: "cw-replies", "aria-label": "Replies" },
        c.replies.map((r) => renderComment(r, root)),
      ),
    );
  }
  if (c === root && c.more_replies) {
    item.append(
      h(
        "button",
        { type: "button", class: "cw-button cw-more-replies", onclick: (e) => loadAllReplies(root, e.target) },
        `Show all ${c.reply_count} replies`,
      ),
    );
  }
  return item;
}

function actions(c, root, slot) {
  const buttons = [];
  const canReply = c.status === "published" && !state.closed && c.depth + 1 <= state.site.max_reply_depth;
  if (canReply) buttons.push(action("Reply", () => openReply(c, root, slot)));
  if (c.is_own && c.editable_until && Date.parse(c.editable_until) > Date.now() && c.status !== "rejected") {
    buttons.push(action("Edit", () => openEdit(c, root, slot)));
  }
  if (c.is_own) buttons.push(action("Delete", () => openDelete(c, root, slot)));
  if (!c.is_own && c.status === "published") buttons.push(action("Report", () => openReport(c, slot)));
  if (c.is_own && (c.status === "held" || c.status === "rejected")) {
    buttons.push(action("Why? Statement of reasons", () => openStatement(c, slot)));
  }
  if (!c.is_own && c.status === "published") {
    // Art. 16 DSA: a notice of illegal content, open to anyone (no account needed), on its own page. A button,
    // not a link: the thread holds no anchors at all, so a stray one in a comment would stand out (test_xss).
    const notice = `/notice?site=${enc(cfg.site)}&comment=${enc(c.id)}`;
    buttons.push(action("Report illegal content", () => window.open(notice, "_blank", "noopener")));
  }
  if (!buttons.length) return null;
  const name = c.author ? authorName(c.author, "a reader") : "a reader";
  return h("div", { class: "cw-actions", role: "group", "aria-label": `Actions for the comment by ${name}` }, buttons);
}

function action(label, onclick) {
  return h("button", { type: "button", class: "cw-linkbutton", onclick }, label);
}

/** Replying, reporting, editing need a signed-in reader with complete details: send them there first. */
function readyToWrite() {
  if (!loggedIn()) {
    say("Log in to do this.");
    document.getElementById("cw-email")?.focus();
    return false;
  }
  if (state.block || state.me.profile_complete === false || state.me.under_minimum_age) {
    say("You cannot do this yet: see the message above the comments.");
    focusCompose();
    return false;
  }
  return true;
}

function openReply(c, root, slot) {
  if (!readyToWrite()) return;
  const key = randomKey();
  const box = composer({
    id: `r-${c.id}`,
    label: `Reply to ${c.author.display_name || "this comment"}`,
    submitLabel: "Post reply",
    onCancel: () => fill(slot),
    onSubmit: async (text) => {
      const outcome = await postComment(text, c.id, key);
      addComment(outcome.comment);
      const node = document.getElementById(`c-${outcome.comment.id}`);
      if (node) node.querySelector(".cw-slot").append(outcomeMessage(outcome));
      say(`${STATUS_TITLE[outcome.status]} ${outcome.message}`);
    },
  });
  fill(slot, box.form);
  box.textarea.focus();
}

function openEdit(c, root, slot) {
  if (!readyToWrite()) return;
  const box = composer({
    id: `e-${c.id}`,
    label: "Edit your comment",
    value: c.body,
    submitLabel: "Save",
    onCancel: () => fill(slot),
    onSubmit: async (text) => {
      const outcome = await api.patch(`/api/v1/comments/${enc(c.id)}`, { body: text });
      const wasPublished = c.status === "published";
      // Keep the replies already shown; the answer carries the comment alone.
      Object.assign(c, {
        ...outcome.comment,
        replies: c.replies,
        reply_count: c.reply_count,
        more_replies: c.more_replies,
      });
      state.total += (c.status === "published" ? 1 : 0) - (wasPublished ? 1 : 0);
      showCount();
      rerender(root);
      const node = document.getElementById(`c-${c.id}`);
      node.querySelector(".cw-slot").append(outcomeMessage(outcome));
      node.querySelector(".cw-body")?.setAttribute("tabindex", "-1");
      node.querySelector(".cw-body")?.focus();
      say(`Saved. ${outcome.message}`);
    },
  });
  fill(slot, box.form);
  box.textarea.focus();
}

function openDelete(c, root, slot) {
  const error = h("p", { class: "x-error", role: "alert", hidden: true });
  const yes = h("button", { type: "button", class: "cw-button x-danger" }, "Delete");
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await api.delete(`/api/v1/comments/${enc(c.id)}`);
    } catch (e) {
      yes.disabled = false;
      error.textContent = retryText(e);
      error.hidden = false;
      return;
    }
    if (c.status === "published") state.total -= 1;
    showCount();
    const where = find(c.id);
    if (c.replies && c.replies.length) Object.assign(c, { status: "deleted", body: null, author: null, reasons: [] });
    else if (where) where.siblings.splice(where.siblings.indexOf(c), 1);
    if (c === root && c.status !== "deleted") rerenderThread();
    else rerender(root);
    document.getElementById("cw-heading").setAttribute("tabindex", "-1");
    document.getElementById("cw-heading").focus();
    say("Your comment was deleted.");
  });
  const no = h("button", { type: "button", class: "cw-button", onclick: () => fill(slot) }, "Keep it");
  fill(
    slot,
    h(
      "div",
      { class: "cw-confirm", role: "group", "aria-label": "Delete your comment?" },
      h("p", {}, "Delete this comment? This cannot be undone."),
      yes,
      " ",
      no,
      error,
    ),
  );
  no.focus();
}

function openReport(c, slot) {
  if (!readyToWrite()) return;
  const reason = field(
    `p-${c.id}-reason`,
    "Why are you reporting this comment?",
    h(
      "select",
      {},
      h("option", { value: "" }, "Choose a reason"),
      REPORT_REASONS.map(([v, l]) => h("option", { value: v }, l)),
    ),
  );
  const note = field(
    `p-${c.id}-note`,
    "Anything moderators should know (optional)",
    h("textarea", { rows: "2", maxlength: "500" }),
  );
  const status = h("p", { role: "status" });
  const send = h("button", { type: "submit", class: "cw-button x-primary" }, "Send report");
  const form = h(
    "form",
    { class: "cw-report", novalidate: true },
    reason.row,
    note.row,
    h(
      "div",
      { class: "cw-form__buttons" },
      h("button", { type: "button", class: "cw-button", onclick: () => fill(slot) }, "Cancel"),
      send,
    ),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(reason, reason.input.value ? null : "Choose a reason.");
    if (!reason.input.value) return reason.input.focus();
    send.disabled = true;
    try {
      await api.post(`/api/v1/comments/${enc(c.id)}/reports`, {
        reason: reason.input.value,
        note: note.input.value.trim() || null,
      });
      fill(
        slot,
        h(
          "p",
          { class: "cw-outcome x-tone--neutral", role: "status", tabindex: "-1" },
          "Thank you. Moderators will look at this comment.",
        ),
      );
      slot.firstChild.focus();
    } catch (e) {
      send.disabled = false;
      if (e.status === 404 || e.status === 405) status.textContent = "Reporting is not available on this site yet.";
      else if (e.status === 409) status.textContent = "You have already reported this comment.";
      else if (!handleGate(e)) status.textContent = retryText(e);
    }
  });
  fill(slot, form);
  reason.input.focus();
}

/** The statement of reasons for the author's own held or rejected comment (Art. 17 DSA), and the appeal. */
async function openStatement(c, slot) {
  let list;
  try {
    list = await api.get("/api/v1/me/statements", { site: cfg.site, comment_id: c.id });
  } catch (e) {
    fill(slot, h("p", { role: "status" }, retryText(e)));
    return;
  }
  const s = list.items[0];
  if (!s) {
    fill(slot, h("p", { class: "cw-muted", role: "status" }, "There is no statement of reasons for this comment."));
    return;
  }
  showStatement(s, { comment_id: c.id }, slot);
}

function showStatement(s, target, slot) {
  const ground = s.ground === "law" ? `The law: ${s.legal_reference}` : `Our terms: ${s.terms_rule || "guidelines"}`;
  const row = (term, value, cls) => [h("dt", {}, term), h("dd", cls ? { class: cls } : {}, value)];
  const panel = h(
    "section",
    { class: "cw-statement", "aria-label": "Statement of reasons", tabindex: "-1" },
    h("h3", { class: "cw-statement__title" }, "Statement of reasons"),
    h("p", { class: "cw-statement__summary" }, s.summary),
    h(
      "dl",
      {},
      row("What we did", s.scope),
      row("Facts", s.facts),
      row("Ground", ground),
      s.explanation ? row("Moderator's explanation", s.explanation) : null,
      row("Detected by automated means", s.automated_detection ? "Yes" : "No", "cw-automated-detection"),
      row("Decided by automated means", s.automated_decision ? "Yes" : "No", "cw-automated-decision"),
      row(
        "Your options",
        `You may appeal until ${formatDate(s.redress.appeal.deadline)}. ${s.redress.out_of_court} ${s.redress.courts}`,
      ),
    ),
    appealPart(s, target),
  );
  fill(slot, panel);
  panel.focus();
}

const OUTCOMES = { upheld: "We kept our decision.", reversed: "We reversed our decision." };

/** `target`: {comment_id} (the latest decision on the comment) or {statement_id} (a sanction's). */
function appealPart(s, target) {
  if (s.appeal) {
    const text =
      s.appeal.status === "open"
        ? "Your appeal was received. A moderator other than the one who decided will review it."
        : `${OUTCOMES[s.appeal.outcome]} ${s.appeal.decision_explanation || ""}`;
    return h("p", { class: "cw-appeal-status", role: "status" }, text);
  }
  if (!s.redress.appeal.available) return null;
  const reason = field(
    `a-${s.id}-explanation`,
    "Why should we change the decision?",
    h("textarea", { rows: "3", maxlength: "5000" }),
  );
  const status = h("p", { role: "status" });
  const send = h("button", { type: "submit", class: "cw-button x-primary" }, "Send appeal");
  const form = h("form", { class: "cw-appeal", novalidate: true }, reason.row, send, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const explanation = reason.input.value.trim();
    setFieldError(reason, explanation ? null : "Say why.");
    if (!explanation) return reason.input.focus();
    send.disabled = true;
    try {
      await api.post("/api/v1/appeals", { ...target, explanation });
      form.replaceWith(
        h(
          "p",
          { class: "cw-appeal-status", role: "status" },
          "Your appeal was received. A moderator other than the one who decided will review it.",
        ),
      );
      say("Your appeal was received.");
    } catch (e) {
      send.disabled = false;
      status.textContent = e.status === 409 ? e.message : retryText(e);
    }
  });
  return form;
}

/** All replies under a top-level comment (the thread shows the first 20), nested by parent. */
async function loadAllReplies(root, button) {
  button.disabled = true;
  const flat = [];
  let cursor = null;
  try {
    do {
      const page = await api.get(`/api/v1/comments/${enc(root.id)}/replies`, { cursor, limit: 100 });
      flat.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && flat.length < 2000);
  } catch (e) {
    button.disabled = false;
    say(`Replies could not be loaded. ${e.message}`);
    return;
  }
  const byId = new Map(flat.map((c) => [c.id, { ...c, replies: [] }]));
  root.replies = [];
  for (const c of byId.values()) {
    // A reply whose parent this reader cannot see hangs under the top-level comment, as the thread does.
    (byId.get(c.parent_id) || root).replies.push(c);
  }
  root.more_replies = Boolean(cursor);
  rerender(root);
  const list = document.getElementById(`c-${root.id}`).querySelector(".cw-replies");
  if (list) {
    list.tabIndex = -1; // keyboard users continue from the replies they asked for
    list.focus();
  }
  say(`${flat.length} replies shown.`);
}

boot();
