/* Quotes for the findings, in an excerpt's details: the excerpt's suggested quotes with their
 * status, and a small form to suggest it as a quote for one of its values with a caption.
 * A lead decides on the project's Quotes page; the server checks every rule. */

import { announce, showError } from "./feedback.js";

export function createQuotes(ctx, api) {
  const section = document.getElementById("details-quotes");
  if (!section) return { show() {} };
  const list = document.getElementById("quote-list");
  const form = document.getElementById("quote-form");
  const select = document.getElementById("quote-value");
  const caption = document.getElementById("quote-caption");
  let excerpt = null;

  const valueName = (slug) => (ctx.valuesBySlug.get(slug) || { name: slug }).name;

  function render(rows) {
    list.textContent = "";
    for (const q of rows) {
      const li = document.createElement("li");
      li.className = "quote-row mb-1";
      li.dataset.status = q.status;
      const text = document.createElement("span");
      const consent = q.usable ? "" : " Cannot be used: no consent to quote.";
      text.textContent = `${q.value_name}: “${q.caption}” (${q.status_label.toLowerCase()}).${consent}`;
      li.appendChild(text);
      if (q.can_remove) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-link p-0 ms-1 quote-remove";
        remove.textContent = "Take back";
        remove.setAttribute("aria-label", `Take back the quote for ${q.value_name}`);
        remove.addEventListener("click", () => takeBack(q));
        li.appendChild(remove);
      }
      list.appendChild(li);
    }
    // Only values without a quote yet can be suggested.
    const taken = new Set(rows.map((q) => q.value));
    select.textContent = "";
    for (const slug of excerpt.values.filter((s) => !taken.has(s))) {
      const option = document.createElement("option");
      option.value = slug;
      option.textContent = valueName(slug);
      select.appendChild(option);
    }
    form.hidden = select.options.length === 0;
  }

  async function load(e) {
    try {
      const answer = await api.getQuotes(e.id);
      if (excerpt === e) render(answer.quotes);
    } catch (err) { showError(err.message); }
  }

  async function takeBack(q) {
    const e = excerpt;
    try {
      await api.removeQuote(q.id);
      announce(`The quote for ${q.value_name} was taken back.`);
      if (excerpt === e) await load(e);
    } catch (err) { showError(err.message); announce(err.message); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const e = excerpt;
    if (!e) return;
    try {
      const q = await api.proposeQuote(e.id, { value: select.value, caption: caption.value });
      caption.value = "";
      announce(`Suggested as a quote for ${q.value_name}. A project lead will decide.`);
      if (excerpt === e) await load(e);
    } catch (err) { showError(err.message); announce(err.message); }
  });

  return {
    /** Show the quotes of the excerpt whose details just opened. */
    show(e) {
      excerpt = e;
      list.textContent = "";
      form.hidden = true;
      load(e);
    },
  };
}
