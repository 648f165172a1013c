// What the staff pages (moderation, DSA, admin) share: logging in (their own token, apart from the reader
// widget's), choosing the site to work on from the staff member's roles, and a few pieces of their views.

import { Api, ApiError, TokenStore, field, fill, h, headedForm, setFieldError } from "./lib.js";

const RANK = { moderator: 1, admin: 2 };

export const tokens = new TokenStore("comments:staff-token");

/** A polite live region for screen readers. The text is cleared first and set a tick later, so that
 * announcing the same message twice is still read out. */
function announcer() {
  const live = h("p", { class: "x-sr", role: "status", "aria-live": "polite" });
  document.body.append(live);
  return (message) => {
    live.textContent = "";
    setTimeout(() => {
      live.textContent = message;
    }, 50);
  };
}

/** Starts a staff page (staff.html): shows a login form until someone with `role` (or above) on some site is
 * logged in, then a site chooser; calls onSite(site, me) whenever the site changes. Returns what every staff
 * page works with: {api, main (the page's element), say (its announcer)}. */
export function startStaffPage({ role, onSite }) {
  const main = document.getElementById("staff-main");
  const account = document.getElementById("staff-account");
  const say = announcer();
  const api = new Api(tokens, () => showLogin("Your session has ended. Log in again."));
  let me = null;

  async function begin() {
    if (!tokens.get()) return showLogin();
    try {
      me = await api.get("/api/v1/me");
    } catch (e) {
      if (e.status !== 401) fill(main, h("p", { class: "x-error", role: "alert" }, e.message));
      return;
    }
    const sites = me.roles.filter((r) => RANK[r.role] >= RANK[role]).map((r) => r.site);
    if (!me.user.is_superadmin && !sites.length) {
      renderAccount(null);
      fill(main, h("p", { class: "x-notice", role: "alert" }, `Your account is not a ${role} of any site.`));
      return;
    }
    const wanted = new URLSearchParams(location.search).get("site") || localStorage.getItem("comments:staff-site");
    const site = wanted && (me.user.is_superadmin || sites.includes(wanted)) ? wanted : sites[0] || "demo";
    renderAccount(sites, site);
    choose(site);
  }

  function choose(site) {
    const url = new URL(location.href);
    url.searchParams.set("site", site);
    history.replaceState(null, "", url);
    try {
      localStorage.setItem("comments:staff-site", site);
    } catch {
      /* storage blocked: the URL keeps it */
    }
    onSite(site, me);
  }

  function renderAccount(sites, current) {
    if (!me) return fill(account);
    let chooser = null;
    if (sites) {
      // Superadmins work on every site (there is no list of sites to pick from): they type the slug.
      const control = me.user.is_superadmin
        ? h("input", {
            type: "text",
            id: "staff-site",
            value: current,
            list: "staff-sites",
            size: "12",
            spellcheck: "false",
          })
        : h(
            "select",
            { id: "staff-site" },
            sites.map((s) => h("option", { value: s, selected: s === current }, s)),
          );
      const form = h(
        "form",
        { class: "staff-site" },
        h("label", { for: "staff-site" }, "Site"),
        control,
        me.user.is_superadmin
          ? h(
              "datalist",
              { id: "staff-sites" },
              sites.map((s) => h("option", { value: s })),
            )
          : null,
        me.user.is_superadmin ? h("button", { type: "submit", class: "x-button" }, "Open") : null,
      );
      const go = (event) => {
        event.preventDefault();
        if (control.value.trim()) choose(control.value.trim());
      };
      form.addEventListener("submit", go);
      if (!me.user.is_superadmin) control.addEventListener("change", go);
      chooser = form;
    }
    fill(
      account,
      chooser,
      h("span", { class: "staff-who" }, me.user.email),
      h("button", { type: "button", class: "x-linkbutton", onclick: logout }, "Log out"),
    );
  }

  async function logout() {
    try {
      await api.post("/api/v1/auth/logout");
    } catch {
      /* dropped here either way */
    }
    tokens.set(null);
    showLogin("You are logged out.");
  }

  function showLogin(message) {
    me = null;
    fill(account);
    const email = field("staff-email", "Email", h("input", { type: "email", autocomplete: "username" }));
    const password = field(
      "staff-password",
      "Password",
      h("input", { type: "password", autocomplete: "current-password" }),
    );
    const error = h("p", { class: "x-error", role: "alert", hidden: !message }, message || "");
    const form = headedForm(
      "staff-login x-panel",
      h("h2", { id: "staff-login-title" }, "Log in"),
      [
        email.row,
        password.row,
        error,
        h("button", { type: "submit", class: "x-button x-primary" }, "Log in"),
      ],
      async () => {
        setFieldError(email, email.input.value.includes("@") ? null : "Enter your email address.");
        setFieldError(password, password.input.value ? null : "Enter your password.");
        if (!email.input.value.includes("@") || !password.input.value) return;
        try {
          const session = await api.post("/api/v1/auth/login", {
            email: email.input.value.trim(),
            password: password.input.value,
          });
          tokens.set(session.token);
          await begin();
        } catch (e) {
          error.textContent = e instanceof ApiError ? e.message : String(e);
          error.hidden = false;
        }
      },
    );
    fill(main, form);
    email.input.focus();
  }

  begin();
  return { api, main, say };
}

/** Ignore page shortcuts while someone types. */
export function typing(event) {
  const t = event.target;
  return (
    event.ctrlKey || event.metaKey || event.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable
  );
}

/** A link to a URL only when it is http(s); otherwise the text alone. */
export function maybeLink(url, text) {
  return /^https?:\/\//i.test(url || "")
    ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text)
    : h("span", {}, text);
}

/** A model's scores, highest first, as meters (the queue's items and the admin's dry-run). */
export function scoreList(scores, model) {
  const entries = Object.entries(scores).sort((x, y) => y[1] - x[1]);
  return h(
    "dl",
    { class: "mod-scores", "aria-label": `Scores by ${model || "the model"}` },
    entries.map(([label, value]) => [
      h("dt", {}, label.replaceAll("_", " ")),
      h(
        "dd",
        {},
        // A native meter: a bar with its value for assistive technology, coloured by how high it is.
        h("meter", {
          min: "0",
          max: "1",
          low: "0.5",
          high: "0.8",
          optimum: "0",
          value: String(value),
          "aria-label": label,
        }),
        h("span", { class: "mod-score" }, value.toFixed(2)),
      ),
    ]),
  );
}
