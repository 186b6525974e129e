/* Wide tables and charts scroll inside their own box, never the page.
 *
 * Every table of the main content sits in a scroll box (`.table-scroll`, or the boxes pages
 * already have: `.table-responsive`, `.chart-scroll`). While a box is narrower than what it holds
 * it is a named region that takes keyboard focus, so arrow keys can scroll it; a box that fits
 * is plain, so it adds no tab stop. A name that repeats on the page gets its caption added. */
(() => {
  const BOXES = ".table-scroll, .table-responsive, .chart-scroll";
  const main = document.getElementById("main");
  if (!main) return;

  for (const table of main.querySelectorAll("table")) {
    if (table.closest(BOXES)) continue;
    const box = document.createElement("div");
    box.className = "table-scroll";
    table.before(box);
    box.append(table);
  }

  const text = (node) => (node ? node.textContent.replace(/\s+/g, " ").trim() : "");

  // What the box holds, in words: a table's caption, a figure's caption, an SVG's title, or
  // the heading before it.
  const short = (words) => (words.length > 80 ? `${words.slice(0, 77)}…` : words);
  function subject(box) {
    return short(about(box));
  }
  function about(box) {
    const caption = text(box.querySelector("caption"));
    if (caption) return caption;
    const figcaption = text(box.closest("figure")?.querySelector("figcaption"));
    if (figcaption) return figcaption;
    const svgTitle = box.querySelector("svg")?.getAttribute("aria-label") || text(box.querySelector("svg > title"));
    if (svgTitle) return svgTitle;
    const section = box.closest("section, article, main");
    const headings = section ? [...section.querySelectorAll("h1, h2, h3, h4")] : [];
    const before = headings.filter((h) => h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING);
    return text(before.at(-1));
  }

  const boxes = [...main.querySelectorAll(BOXES)].filter((box) => !box.parentElement.closest(BOXES));
  const names = new Map();
  for (const box of boxes) {
    const kind = box.querySelector("table") ? "Table" : "Chart";
    const given = box.getAttribute("aria-label");
    const about = subject(box);
    let name = given || `${kind}${about ? `: ${about}` : ""} (scrolls sideways)`;
    names.set(box, name);
  }
  const counts = new Map();
  for (const name of names.values()) counts.set(name, (counts.get(name) || 0) + 1);
  const seen = new Map();
  for (const [box, name] of names) {
    let unique = name;
    if (counts.get(name) > 1) {
      const about = subject(box);
      unique = about && !name.includes(about) ? `${name.replace(/ \(scrolls sideways\)$/, "")}: ${about} (scrolls sideways)` : name;
      const n = (seen.get(unique) || 0) + 1;
      seen.set(unique, n);
      if (n > 1) unique = `${unique} ${n}`;
    }
    box.dataset.scrollName = unique;
    box.removeAttribute("aria-label");
  }

  function mark(box) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls) {
      box.setAttribute("role", "region");
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", box.dataset.scrollName);
    } else {
      box.removeAttribute("role");
      box.removeAttribute("tabindex");
      box.removeAttribute("aria-label");
    }
  }
  const observer = new ResizeObserver((entries) => entries.forEach((entry) => mark(entry.target)));
  for (const box of boxes) {
    mark(box);
    observer.observe(box);
  }
})();
