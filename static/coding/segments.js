/* Segment maths: excerpts cut into the runs of text between their boundaries.
 *
 * Highlights paint one range per run, each run knowing every excerpt that covers it, so nested
 * and crossing excerpts need no change to the transcript's DOM. Pure: no DOM, tested on its own.
 * Excerpts here are plain objects with `start`, `end` (code points), `values` and `coder`.
 */

/** Sort excerpts in text order (start, then end, then id), in place. */
export function sortExcerpts(excerpts) {
  return excerpts.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
}

/**
 * Cut the text covered by `excerpts` at every excerpt boundary.
 *
 * Returns `[{start, end, excerpts}]` in text order for each run covered by at least one
 * excerpt; runs covered by none are left out.
 */
export function segmentsOf(excerpts) {
  const points = new Set();
  for (const e of excerpts) { points.add(e.start); points.add(e.end); }
  const sorted = [...points].sort((a, b) => a - b);
  const starts = [...excerpts].sort((a, b) => a.start - b.start);
  const active = new Set();
  const segments = [];
  let next = 0;
  for (let i = 0; i < sorted.length - 1; i++) {
    const a = sorted[i];
    const b = sorted[i + 1];
    for (const e of active) if (e.end <= a) active.delete(e);
    while (next < starts.length && starts[next].start <= a) {
      if (starts[next].end > a) active.add(starts[next]);
      next++;
    }
    if (active.size) segments.push({ start: a, end: b, excerpts: [...active] });
  }
  return segments;
}

/** The values and coders of one segment, each once. */
export function segmentSummary(segment) {
  const values = new Set();
  const coders = new Set();
  for (const e of segment.excerpts) {
    e.values.forEach((s) => values.add(s));
    coders.add(e.coder);
  }
  return { values: [...values], coders: [...coders] };
}

/** The index of the last item of `sorted` (by `start`) starting at or before `cp`; 0 if none. */
export function indexAtOrBefore(sorted, cp) {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].start <= cp) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

/**
 * The excerpts at a caret position: those containing the character after it, or else those
 * ending right at it (a click just after the last character still finds its excerpt).
 */
export function excerptsAt(excerpts, cp) {
  const inside = excerpts.filter((e) => e.start <= cp && cp < e.end);
  return inside.length ? inside : excerpts.filter((e) => e.start < cp && cp <= e.end);
}

/**
 * Lanes for margin stripes: each item `{id, first, last}` (a range of paragraph indexes, in
 * order of `first`) gets the lowest lane free over its whole range, so overlapping items never
 * share a lane. Returns a Map of id -> lane.
 */
export function assignLanes(items) {
  const laneEnds = []; // the last paragraph each lane is taken up to
  const lanes = new Map();
  for (const item of items) {
    let lane = laneEnds.findIndex((end) => end < item.first);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = item.last;
    lanes.set(item.id, lane);
  }
  return lanes;
}

/** The shortest excerpt of a segment: its colour shows, so nested excerpts stand out. */
export function innermost(segment) {
  return segment.excerpts.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a));
}
