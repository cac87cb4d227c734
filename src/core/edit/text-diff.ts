/**
 * A compact Myers diff (no diff library is installed): characters for ordinary edits, words
 * when the character diff would be too costly, one removal plus one addition beyond that.
 */
export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** Edit distance (Myers' D) above which a level gives up: the trace costs O(D·(N+M)). */
const MAX_EDITS = 2_000;

export function diffText(before: string, after: string): DiffPart[] {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < before.length - prefix && suffix < after.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);
  const middle = myers([...a], [...b]) ?? myers(words(a), words(b)) ?? [
    { kind: 'removed' as const, text: a },
    { kind: 'added' as const, text: b },
  ];
  const parts: DiffPart[] = [];
  push(parts, 'same', before.slice(0, prefix));
  for (const p of middle) push(parts, p.kind, p.text);
  push(parts, 'same', before.slice(before.length - suffix));
  return parts;
}

function words(s: string): string[] {
  return s.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

function push(parts: DiffPart[], kind: DiffPart['kind'], text: string): void {
  if (text === '') return;
  const last = parts[parts.length - 1];
  if (last && last.kind === kind) last.text += text;
  else parts.push({ kind, text });
}

/** Myers' O((N+M)·D) shortest edit script; null when it needs more than MAX_EDITS edits. */
function myers(a: string[], b: string[]): DiffPart[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, MAX_EDITS) && found < 0; d++) {
    // Round d reads only diagonals -(d-1)..d-1 of the previous round.
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;

  const reversed: DiffPart[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const at = (k: number): number => prev[k + d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      reversed.push({ kind: 'same', text: a[--x]! });
      y--;
    }
    if (x === prevX) reversed.push({ kind: 'added', text: b[--y]! });
    else reversed.push({ kind: 'removed', text: a[--x]! });
  }
  while (x > 0 && y > 0) {
    reversed.push({ kind: 'same', text: a[--x]! });
    y--;
  }
  const parts: DiffPart[] = [];
  for (let i = reversed.length - 1; i >= 0; i--) push(parts, reversed[i]!.kind, reversed[i]!.text);
  return parts;
}
