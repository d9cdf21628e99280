// The completion indexes of an Indexed Job as Kubernetes writes them: ordered,
// compressed intervals such as "1,3-5,7" (pkg/controller/job/indexed_job_utils.go
// and validateIndexesFormat in pkg/apis/batch/validation). The controller reads
// and writes status.completedIndexes and status.failedIndexes with them; validation
// checks a success policy's succeededIndexes.

/** The annotation, and label, holding a pod's completion index. */
export const jobCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";
/** Failures of the index before this pod that counted toward backoffLimitPerIndex. */
export const jobIndexFailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count";
/** Failures of the index before this pod that a pod failure policy's Ignore rule left uncounted. */
export const jobIndexIgnoredFailureCountAnnotation = "batch.kubernetes.io/job-index-ignored-failure-count";

/** First and last index, both included. */
export interface IndexInterval {
  first: number;
  last: number;
}

/** Ordered, disjoint, not adjacent intervals. */
export type IndexIntervals = readonly IndexInterval[];

/**
 * Reads intervals leniently, as the controller reads its own status: a part that is
 * not a number is skipped, indexes at or above `completions` are dropped.
 */
export function parseIndexes(text: string | undefined, completions: number): IndexInterval[] {
  const points: IndexInterval[] = [];
  if (!text) return points;
  for (const part of text.split(",")) {
    const [a, b] = part.split("-");
    const first = Number.parseInt(a ?? "", 10);
    if (Number.isNaN(first) || first < 0 || first >= completions) continue;
    let last = first;
    if (b !== undefined) {
      last = Number.parseInt(b, 10);
      if (Number.isNaN(last)) continue;
      last = Math.min(last, completions - 1);
    }
    if (last >= first) points.push({ first, last });
  }
  return mergeIntervals(points, []);
}

/** The intervals holding every index of `a` and of `b`. */
export function mergeIntervals(a: IndexIntervals, b: IndexIntervals): IndexInterval[] {
  const all = [...a, ...b].sort((x, y) => x.first - y.first);
  const out: IndexInterval[] = [];
  for (const iv of all) {
    const prev = out[out.length - 1];
    if (prev && iv.first <= prev.last + 1) prev.last = Math.max(prev.last, iv.last);
    else out.push({ ...iv });
  }
  return out;
}

/** Intervals of a set of indexes. */
export function intervalsOf(indexes: Iterable<number>): IndexInterval[] {
  return mergeIntervals(
    [...indexes].map((i) => ({ first: i, last: i })),
    [],
  );
}

/** "0-2,4,6,7": two adjacent indexes are listed, three or more become a range, as Kubernetes prints them. */
export function formatIndexes(intervals: IndexIntervals): string {
  return intervals.map((iv) => (iv.last === iv.first ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`)).join(",");
}

export function countIndexes(intervals: IndexIntervals): number {
  return intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
}

export function hasIndex(intervals: IndexIntervals, ix: number): boolean {
  return intervals.some((iv) => iv.first <= ix && ix <= iv.last);
}

/** How many indexes of `wanted` are in `have`. */
export function overlapCount(wanted: IndexIntervals, have: IndexIntervals): number {
  let n = 0;
  for (const w of wanted) {
    for (const h of have) {
      const overlap = Math.min(w.last, h.last) - Math.max(w.first, h.first) + 1;
      if (overlap > 0) n += overlap;
    }
  }
  return n;
}

/**
 * Checks `text` strictly, as validation does: the number of indexes it names, or
 * the problem with Kubernetes' wording.
 */
export function checkIndexesFormat(text: string, completions: number): { total: number } | { error: string } {
  if (text === "") return { total: 0 };
  let total = 0;
  let lastIndex: number | undefined;
  for (const part of text.split(",")) {
    const limits = part.split("-");
    if (limits.length > 2) return { error: `the fragment "${part}" violates the requirement that an index interval can have at most two parts separated by '-'` };
    const bounds: number[] = [];
    for (const limit of limits) {
      if (!/^[0-9]+$/.test(limit)) return { error: `cannot convert string to integer for index: "${limit}"` };
      const n = Number(limit);
      if (n >= completions) return { error: `too large index: "${limit}"` };
      bounds.push(n);
    }
    const first = bounds[0]!;
    const last = bounds[1] ?? first;
    if (bounds.length === 2 && first >= last) return { error: `non-increasing order, previous: ${first}, current: ${last}` };
    if (lastIndex !== undefined && lastIndex >= first) return { error: `non-increasing order, previous: ${lastIndex}, current: ${first}` };
    total += last - first + 1;
    lastIndex = last;
  }
  return { total };
}

/** The list cut after the interval that passes `softLimit` characters, with "..."; "<none>" when empty (kubectl's capIndexesListOrNone). */
export function capIndexesListOrNone(indexes: string | undefined, softLimit = 50): string {
  if (!indexes) return "<none>";
  const cut = indexes.indexOf(",", softLimit);
  return cut === -1 ? indexes : `${indexes.slice(0, cut + 1)}...`;
}
