// The page the account mails link to: /account?site=SLUG#verify=TOKEN or #reset=TOKEN. The token is in
// the fragment, which browsers never send to a server; it is read here, then removed from the address bar.

import { Api, ApiError, field, fill, h, setFieldError } from "./lib.js";

const main = document.getElementById("account");
const cfg = { ...main.dataset };
const api = new Api(null);
const title = document.getElementById("account-title");

function message(text, kind = "status") {
  return h("p", { class: kind === "alert" ? "x-error" : "cw-notice", role: kind }, text);
}

function backLink() {
  return h("p", {}, `Go back to the article on ${cfg.siteName} to log in and comment.`);
}

async function verify(token) {
  title.textContent = "Confirm your email address";
  try {
    const answer = await api.post("/api/v1/auth/verify-email", { token });
    fill(main, title, message(answer.message), backLink());
  } catch (e) {
    fill(main, title, message(e.message, "alert"));
  }
}

function resetForm(token) {
  title.textContent = "Choose a new password";
  const password = field(
    "account-password",
    "New password",
    h("input", { type: "password", autocomplete: "new-password", required: true }),
    "At least 10 characters. Every session of your account is logged out.",
  );
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "cw-button x-primary" }, "Save the new password");
  const form = h("form", { class: "cw-reset", novalidate: true }, password.row, result, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(password, null);
    fill(result);
    submit.disabled = true;
    try {
      const query = cfg.site ? `?site=${encodeURIComponent(cfg.site)}` : "";
      const answer = await api.post(`/api/v1/auth/password-reset/complete${query}`, {
        token,
        password: password.input.value,
      });
      fill(main, title, message(answer.message), backLink());
      title.focus();
    } catch (e) {
      const fields = e instanceof ApiError ? e.fieldErrors() : {};
      setFieldError(password, fields.password || null);
      if (!fields.password) fill(result, message(e.message, "alert"));
      submit.disabled = false;
      password.input.focus();
    }
  });
  fill(main, title, form);
  password.input.focus();
}

function start() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.get("verify") && !params.get("reset") && main.dataset.started) return;
  main.dataset.started = "1";
  // Out of the address bar and the history: the link works once, and the page may be shared or synced.
  history.replaceState(null, "", location.pathname + location.search);
  if (params.get("verify")) verify(params.get("verify"));
  else if (params.get("reset")) resetForm(params.get("reset"));
  else fill(main, title, message("This page is opened from the links in our mails. This link has no token.", "alert"));
  main.removeAttribute("aria-busy");
}

// A second mail's link opened in the same tab changes only the fragment: no new page load.
addEventListener("hashchange", start);
start();
