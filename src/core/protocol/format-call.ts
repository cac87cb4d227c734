/**
 * Writes a tool call the way Mini-o3's model does and its strict pattern accepts:
 * `<grounding>{"bbox_2d": [0.12, 0.3, 0.5, 0.61], "source": "original_image"}</grounding>`.
 */
export function formatGrounding(bbox: readonly number[], source: string, decimals = 3): string {
  const coords = bbox.map((v) => formatCoordinate(v, decimals)).join(', ');
  return `<grounding>{"bbox_2d": [${coords}], "source": "${source}"}</grounding>`;
}

/** Python-float style: rounded, trailing zeros dropped, at least one decimal ("0.0", "0.25"). */
export function formatCoordinate(v: number, decimals = 3): string {
  const rounded = Number(v.toFixed(decimals));
  const s = String(rounded === 0 ? 0 : rounded);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Replaces the last `<grounding>…</grounding>` in a turn's text (the one Mini-o3 acts on). */
export function replaceGrounding(text: string, bbox: readonly number[], source: string, decimals = 3): string {
  const start = text.lastIndexOf('<grounding>');
  const end = text.indexOf('</grounding>', start);
  const call = formatGrounding(bbox, source, decimals);
  if (start === -1 || end === -1) return text + call;
  return text.slice(0, start) + call + text.slice(end + '</grounding>'.length);
}
