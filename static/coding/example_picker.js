// The example picker of the proposal form: search the project's excerpts, tick to add.
// Ticked excerpts become `examples` boxes in the chosen list, which the form posts; the server
// checks each again. Text goes in with textContent, never as HTML.
const picker = document.getElementById("example-picker");

function chosenList() {
  return document.getElementById("example-chosen");
}

function isChosen(id) {
  return Boolean(chosenList().querySelector(`input[name="examples"][value="${id}"]`));
}

function label(row) {
  const text = document.createElement("span");
  text.textContent = `“${row.text}” `;
  const detail = document.createElement("span");
  detail.className = "text-body-secondary";
  const values = row.values.length ? row.values.join(", ") : "no value";
  detail.textContent = `(excerpt ${row.id}; ${values}; ${row.interview})`;
  return [text, detail];
}

function box(id, prefix, checked, row) {
  const item = document.createElement("li");
  item.className = "form-check";
  const input = document.createElement("input");
  input.type = "checkbox";
  input.className = "form-check-input";
  input.id = `${prefix}-${id}`;
  input.value = String(id);
  input.checked = checked;
  const text = document.createElement("label");
  text.className = "form-check-label";
  text.htmlFor = input.id;
  text.append(...label(row));
  item.append(input, text);
  return { item, input };
}

function addChosen(row) {
  if (isChosen(row.id)) return;
  document.getElementById("example-none")?.remove();
  const { item, input } = box(row.id, "example-chosen", true, row);
  input.name = "examples";
  input.addEventListener("change", () => {
    if (!input.checked) removeChosen(row.id);
  });
  chosenList().append(item);
}

function removeChosen(id) {
  chosenList().querySelector(`input[name="examples"][value="${id}"]`)?.closest("li")?.remove();
  const result = document.getElementById(`example-found-${id}`);
  if (result) result.checked = false;
}

async function search() {
  const status = document.getElementById("example-status");
  const results = document.getElementById("example-results");
  const params = new URLSearchParams({
    q: document.getElementById("example-words").value,
    value: document.getElementById("example-value").value,
  });
  status.textContent = "Searching…";
  let rows;
  try {
    const response = await fetch(`${picker.dataset.searchUrl}?${params}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || "The search did not work.");
    rows = body.results;
  } catch (error) {
    status.textContent = error.message || "The search did not work. Try again.";
    return;
  }
  results.replaceChildren();
  for (const row of rows) {
    const { item, input } = box(row.id, "example-found", isChosen(row.id), row);
    input.addEventListener("change", () => {
      if (input.checked) addChosen(row);
      else removeChosen(row.id);
    });
    results.append(item);
  }
  const many = rows.length === 1 ? "1 excerpt found" : `${rows.length} excerpts found`;
  status.textContent = rows.length ? `${many}: tick the ones to add.` : "No excerpts found.";
}

if (picker) {
  for (const input of chosenList().querySelectorAll('input[name="examples"]')) {
    input.addEventListener("change", () => {
      if (!input.checked) removeChosen(input.value);
    });
  }
  document.getElementById("example-search").addEventListener("click", search);
  // Enter in the search box searches instead of sending the whole proposal.
  document.getElementById("example-words").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      search();
    }
  });
}
