// The reader's own account, inside the widget: verification notice, "Forgot password?", and the account
// panel (change password, sessions and "Log out everywhere", "Download my data", "Delete my account").
// Every piece of server text is put in the page as text.

import { ApiError, fill, field, h, headedForm, setFieldError, timeEl } from "./lib.js";

function retryText(error) {
  if (error.type === "rate-limited" && error.problem.retry_after) {
    return `${error.message} Try again in ${error.problem.retry_after} seconds.`;
  }
  return error.message || "Something went wrong. Try again.";
}

function status(text, kind = "status") {
  return h("p", { class: kind === "alert" ? "x-error" : "cw-muted", role: kind }, text);
}

function passwordField(id, label, autocomplete, hint) {
  return field(id, label, h("input", { type: "password", autocomplete, required: true }), hint);
}

/** "Confirm your email address": shown while the reader's address is not verified. */
export function verificationNotice(ctx) {
  const note = h("span", { class: "cw-muted" });
  const again = h("button", { type: "button", class: "cw-linkbutton" }, "Send the link again");
  again.addEventListener("click", async () => {
    again.disabled = true;
    try {
      await ctx.api.post(`/api/v1/me/email/verification?site=${encodeURIComponent(ctx.cfg.site)}`);
      note.textContent = " Sent. Check your inbox (and the spam folder).";
    } catch (e) {
      note.textContent = ` ${retryText(e)}`;
    }
    again.disabled = false;
  });
  return h(
    "div",
    { class: "cw-notice cw-verify", role: "status" },
    h("p", {}, "Confirm your email address: we sent a link to ", h("strong", {}, ctx.me().user.email), ". "),
    h("p", {}, again, note),
  );
}

/** "Forgot password?": asks for the address, then says what happens (the same whether or not it has an account). */
export function forgotForm(ctx, back) {
  const email = field("cw-forgot-email", "Email", h("input", { type: "email", autocomplete: "email", required: true }));
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "cw-button x-primary" }, "Send me a reset link");
  return headedForm(
    "cw-auth cw-forgot",
    h("h3", { id: "cw-forgot-title", tabindex: "-1" }, "Forgot your password?"),
    [
      h("p", { class: "cw-muted" }, "We mail you a link to choose a new one. It works once, for an hour."),
      email.row,
      result,
      submit,
      h("p", {}, h("button", { type: "button", class: "cw-linkbutton", onclick: back }, "Back to log in")),
    ],
    async () => {
      const value = email.input.value.trim();
      setFieldError(email, value.includes("@") ? null : "Enter your email address.");
      if (!value.includes("@")) return email.input.focus();
      submit.disabled = true;
      try {
        const answer = await ctx.api.post(`/api/v1/auth/password-reset?site=${encodeURIComponent(ctx.cfg.site)}`, {
          email: value,
        });
        fill(result, status(answer.message));
        ctx.say(answer.message);
      } catch (e) {
        const fields = e instanceof ApiError ? e.fieldErrors() : {};
        setFieldError(email, fields.email || null);
        fill(result, fields.email ? null : status(retryText(e), "alert"));
      }
      submit.disabled = false;
    },
  );
}

/** The account panel. `ctx`: {api, cfg, me(), say, loggedOut(message), ssoToken()}. */
export function accountPanel(ctx, close) {
  const panel = h(
    "section",
    { class: "cw-panel", "aria-labelledby": "cw-panel-title" },
    h(
      "div",
      { class: "cw-panel-head" },
      h("h3", { id: "cw-panel-title", tabindex: "-1" }, "Your account"),
      h("button", { type: "button", class: "cw-linkbutton", onclick: close }, "Close"),
    ),
    changePassword(ctx),
    sessions(ctx),
    myData(ctx),
    deleteAccount(ctx),
  );
  return panel;
}

function changePassword(ctx) {
  const current = passwordField("cw-current-password", "Current password", "current-password");
  const next = passwordField("cw-new-password", "New password", "new-password", "At least 10 characters.");
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "cw-button" }, "Change password");
  return headedForm(
    "cw-change-password",
    h("h4", { id: "cw-change-title" }, "Change password"),
    [
      h("p", { class: "cw-muted" }, "Your other sessions are logged out when you change it."),
      current.row,
      next.row,
      result,
      submit,
    ],
    async () => {
      setFieldError(current, null);
      setFieldError(next, null);
      fill(result);
      submit.disabled = true;
      try {
        await ctx.api.post(`/api/v1/me/password?site=${encodeURIComponent(ctx.cfg.site)}`, {
          current_password: current.input.value,
          new_password: next.input.value,
        });
        current.input.value = next.input.value = "";
        fill(result, status("Your password is changed. Your other sessions were logged out."));
        ctx.say("Your password is changed.");
      } catch (e) {
        const fields = e instanceof ApiError ? e.fieldErrors() : {};
        setFieldError(current, fields.current_password || null);
        setFieldError(next, fields.new_password || null);
        if (!fields.current_password && !fields.new_password) fill(result, status(retryText(e), "alert"));
        (fields.current_password ? current.input : next.input).focus();
      }
      submit.disabled = false;
    },
  );
}

function sessions(ctx) {
  const list = h("ul", { class: "cw-sessions", "aria-label": "Your sessions" });
  const result = h("div", { "aria-live": "polite" });
  const everywhere = h("button", { type: "button", class: "cw-button" }, "Log out everywhere");
  everywhere.addEventListener("click", async () => {
    everywhere.disabled = true;
    try {
      await ctx.api.post("/api/v1/me/sessions/logout-everywhere");
      ctx.loggedOut("You are logged out everywhere, here too.");
    } catch (e) {
      fill(result, status(retryText(e), "alert"));
      everywhere.disabled = false;
    }
  });
  async function load() {
    try {
      const answer = await ctx.api.get("/api/v1/me/sessions");
      fill(list, answer.sessions.map(row));
    } catch (e) {
      fill(list, h("li", {}, retryText(e)));
    }
  }
  function row(x) {
    const end = x.current
      ? h("strong", {}, "This session")
      : h(
          "button",
          {
            type: "button",
            class: "cw-linkbutton",
            onclick: async () => {
              try {
                await ctx.api.delete(`/api/v1/me/sessions/${encodeURIComponent(x.id)}`);
                ctx.say("That session is logged out.");
                await load();
              } catch (e) {
                fill(result, status(retryText(e), "alert"));
              }
            },
          },
          "Log it out",
        );
    return h(
      "li",
      { class: "cw-session" },
      h("span", {}, x.client || "A browser", " · ", x.network || "network unknown"),
      h("span", { class: "cw-muted" }, " · last used ", timeEl(x.last_used_at), " · "),
      end,
    );
  }
  load();
  return h(
    "div",
    { class: "cw-session-list" },
    h("h4", {}, "Where you are logged in"),
    list,
    result,
    everywhere,
  );
}

function myData(ctx) {
  const result = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", class: "cw-button" }, "Download my data");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const data = await ctx.api.get("/api/v1/me/export");
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = h("a", { download: "my-comments-data.json" }, "my-comments-data.json");
      // Set here rather than through h(), which allows only http(s) links: this blob URL is our own file.
      link.href = URL.createObjectURL(blob);
      fill(result, status("Your data is ready: "), link);
      link.click();
      ctx.say("Your data is downloaded.");
    } catch (e) {
      fill(result, status(retryText(e), "alert"));
    }
    button.disabled = false;
  });
  return h(
    "div",
    { class: "cw-my-data" },
    h("h4", {}, "Your data"),
    h("p", { class: "cw-muted" }, "Everything we hold about you, as a JSON file: account, details, comments, reports."),
    button,
    result,
  );
}

function deleteAccount(ctx) {
  const box = h("div", { class: "cw-delete" });
  const start = h("button", { type: "button", class: "cw-button x-danger" }, "Delete my account");
  start.addEventListener("click", () => fill(box, confirmStep()));
  fill(box, start);

  function confirmStep() {
    const sso = ctx.ssoToken();
    const password = sso ? null : passwordField("cw-delete-password", "Your password", "current-password");
    const sure = h("input", { type: "checkbox", id: "cw-delete-sure" });
    const result = h("div", { "aria-live": "polite" });
    const submit = h("button", { type: "submit", class: "cw-button x-danger" }, "Delete my account for good");
    const form = headedForm(
      "cw-delete-confirm",
      h("h4", { id: "cw-delete-title", tabindex: "-1" }, "Delete your account?"),
      [
        h(
          "p",
          {},
          "Your account, details and sessions are removed, and your name is shown nowhere any more. ",
          "Your comments are removed or kept as “deleted account”, as each site decided. This cannot be undone.",
        ),
        password ? password.row : null,
        h("div", { class: "cw-check" }, sure, h("label", { for: sure.id }, "Yes, delete my account")),
        result,
        submit,
        h("button", { type: "button", class: "cw-linkbutton", onclick: () => fill(box, start) }, "Keep my account"),
      ],
      async () => {
        fill(result);
        if (!sure.checked) {
          fill(result, status("Tick the box to confirm.", "alert"));
          return sure.focus();
        }
        submit.disabled = true;
        const body = sso ? { site: ctx.cfg.site, sso_token: sso } : { password: password.input.value };
        try {
          await ctx.api.post("/api/v1/me/delete", body);
          ctx.loggedOut("Your account is deleted.");
        } catch (e) {
          const fields = e instanceof ApiError ? e.fieldErrors() : {};
          if (password) setFieldError(password, fields.password || null);
          if (!fields.password) fill(result, status(retryText(e), "alert"));
          submit.disabled = false;
        }
      },
    );
    setTimeout(() => form.querySelector("#cw-delete-title").focus(), 0);
    return form;
  }
  return h("div", { class: "cw-delete-area" }, h("h4", {}, "Delete my account"), box);
}
