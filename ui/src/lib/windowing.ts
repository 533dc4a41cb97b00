// Which rows of a long list to put in the DOM: those in view, plus a few either side so fast
// scrolling does not show blank space. Rows have one fixed height.

export interface WindowRange {
  /** First row rendered (index). */
  start: number;
  /** One past the last row rendered. */
  end: number;
}

export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): WindowRange {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + inView + overscan);
  return { start, end: Math.max(start, end) };
}
