// The standalone notice form (/notice): posts to SubmitNotice. A reader logged in to the widget on this
// origin is sent along (their token), anyone else notifies anonymously.

import { Api, TokenStore } from "./lib.js";

const form = document.getElementById("notice-form");
const error = document.getElementById("n-error");
const done = document.getElementById("n-done");
const api = new Api(new TokenStore("comments:reader-token"), () => {});

function show(message) {
  error.textContent = message;
  error.hidden = !message;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = (name) => form.elements[name].value.trim();
  if (!document.getElementById("n-bona-fide").checked) {
    show("Confirm that the notice is accurate and complete.");
    return;
  }
  for (const [name, message] of [
    ["comment_id", "Give the comment's id."],
    ["category", "Choose a category."],
    ["explanation", "Explain why the comment is illegal."],
    ["legal_ground", "Say which law it breaks."],
  ]) {
    if (!value(name)) {
      show(message);
      form.elements[name].focus();
      return;
    }
  }
  show("");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const receipt = await api.post("/api/v1/notices", {
      comment_id: value("comment_id"),
      category: value("category"),
      explanation: value("explanation"),
      legal_ground: value("legal_ground"),
      reporter_name: value("reporter_name") || null,
      reporter_email: value("reporter_email") || null,
      bona_fide: true,
    });
    form.hidden = true;
    done.textContent = `${receipt.message} Reference: ${receipt.id}.`;
    done.hidden = false;
    done.focus();
  } catch (e) {
    button.disabled = false;
    if (e.status === 404) show("There is no such comment.");
    else if (e.status === 429) show("You sent many notices recently. Try again later.");
    else show(e.message || "The notice could not be sent. Try again.");
  }
});
