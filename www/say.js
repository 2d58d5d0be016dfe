// What just happened, said to screen readers through the polite status region (#announce) —
// the console's event feed and lists are not live regions, so replays and refreshes are silent.

/** Says `text` (the same words twice in a row are said twice). */
export function announce(text) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = el.textContent === text ? `${text}\u00a0` : text;
}
