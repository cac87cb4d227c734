/**
 * Levenshtein distance (no library for it is installed): O(n·m) time, two rows of memory,
 * after dropping the common prefix and suffix. Past `maxLength` code units each text is cut and
 * the rest counted as replacements, so the result is an upper bound and says so.
 */
export const MAX_LEVENSHTEIN_LENGTH = 20_000;

export function levenshtein(a: string, b: string, maxLength = MAX_LEVENSHTEIN_LENGTH): { distance: number; exact: boolean } {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  let x = a.slice(start, endA);
  let y = b.slice(start, endB);
  let extra = 0;
  if (x.length > maxLength || y.length > maxLength) {
    extra = Math.max(x.length, y.length) - maxLength;
    x = x.slice(0, maxLength);
    y = y.slice(0, maxLength);
  }
  if (x.length < y.length) [x, y] = [y, x];
  let prev = new Uint32Array(y.length + 1);
  let row = new Uint32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    row[0] = i;
    const c = x.charCodeAt(i - 1);
    for (let j = 1; j <= y.length; j++) {
      const substitute = prev[j - 1]! + (c === y.charCodeAt(j - 1) ? 0 : 1);
      row[j] = Math.min(substitute, prev[j]! + 1, row[j - 1]! + 1);
    }
    [prev, row] = [row, prev];
  }
  return { distance: prev[y.length]! + extra, exact: extra === 0 };
}

/** Distance over the longer text's length: 0 identical, 1 nothing in common. */
export function normalizedLevenshtein(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 0 : levenshtein(a, b).distance / longest;
}
