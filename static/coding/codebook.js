/* A value added while coding, made usable at once: colour, picker, details, codebook, filter. */

export function addValueToPage(ctx, v) {
  ctx.data.values.push(v);
  ctx.valuesBySlug.set(v.slug, v);
  // CSSOM rules are allowed by the Content-Security-Policy, unlike new <style> elements.
  const sheet = document.getElementById("value-styles").sheet;
  sheet.insertRule(`::highlight(v-${v.slug}) { background-color: ${v.colour}; color: #212529; }`, sheet.cssRules.length);
  sheet.insertRule(`.value-swatch-${v.slug} { background-color: ${v.colour}; }`, sheet.cssRules.length);
  const swatch = (text) => {
    const span = document.createElement("span");
    span.className = `swatch value-swatch-${v.slug}`;
    span.setAttribute("aria-hidden", "true");
    span.textContent = text;
    return span;
  };
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-sm btn-light value-button text-start";
  button.dataset.value = v.slug;
  button.setAttribute("aria-pressed", "false");
  if (v.shortcut) button.setAttribute("aria-keyshortcuts", v.shortcut);
  button.append(swatch(v.shortcut || v.initials), ` ${v.name}`);
  if (v.shortcut) {
    // The key in the button's name, for people who hear rather than see the swatch.
    const key = document.createElement("span");
    key.className = "visually-hidden";
    key.textContent = `(key ${v.shortcut})`;
    button.appendChild(key);
  }
  document.querySelector("#picker .picker-buttons").appendChild(button);
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "btn btn-sm btn-light value-toggle";
  toggle.dataset.value = v.slug;
  toggle.setAttribute("aria-pressed", "false");
  toggle.append(swatch(v.initials), ` ${v.name}`);
  document.getElementById("details-value-buttons").appendChild(toggle);
  const dt = document.createElement("dt");
  dt.append(swatch(v.initials), ` ${v.name} `);
  const badge = document.createElement("span");
  badge.className = v.provisional ? "badge text-bg-warning" : "badge text-bg-info";
  badge.textContent = v.provisional ? "only you: proposed" : "this project";
  dt.appendChild(badge);
  if (v.page) {
    // The proposer renames or withdraws a provisional value on its own page.
    const link = document.createElement("a");
    link.href = v.page;
    link.textContent = "rename or withdraw";
    dt.append(" ", link);
  }
  const dd = document.createElement("dd");
  dd.textContent = v.definition;
  document.querySelector(".codebook").append(dt, dd);
  const valueFilter = document.getElementById("value-filter");
  if (valueFilter) valueFilter.appendChild(new Option(v.name, v.slug));
}
