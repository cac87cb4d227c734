import { promises as fsp } from 'node:fs';
import { describeJsonError, locateJsonError } from '../store/json-error';
import type { ImportContext, SourceSpot } from './import-common';

/** One record of a JSON-array or JSON-lines source, with where it starts. */
export interface SourceRecord {
  value: unknown;
  /** 0-based position among the file's records. */
  index: number;
  /** Where to point findings: the record's first line; field `[i]` when the file is a JSON array. */
  spot: SourceSpot;
}

/**
 * Reads a file that is either one JSON array of records or JSON lines. Each array element is
 * parsed on its own, so one broken element (or a file truncated mid-array) costs only that
 * element: it becomes a finding with its line, and every complete element before it imports.
 */
export async function readJsonRecords(file: string, ctx: ImportContext): Promise<SourceRecord[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    ctx.error({ file, line: 0, field: '' }, '', `cannot read file: ${(e as Error).message}`);
    return [];
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = text.search(/\S/);
  if (first === -1) {
    ctx.error({ file, line: 0, field: '' }, '', 'the file is empty: no records to import');
    return [];
  }
  if (text[first] === '[') return readArray(text, first, file, ctx);
  if (text[first] === '{') {
    // A single (maybe pretty-printed) object rather than JSON lines; JSON lines fail fast here.
    try {
      return [{ value: JSON.parse(text), index: 0, spot: { file, line: lineOf(text, first), field: '' } }];
    } catch {
      // not one object: read it line by line
    }
  }
  return readLines(text, file, ctx);
}

function readLines(text: string, file: string, ctx: ImportContext): SourceRecord[] {
  const out: SourceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const spot = { file, line: i + 1, field: '' };
    try {
      out.push({ value: JSON.parse(line), index: out.length, spot });
    } catch (e) {
      ctx.error(spot, '', `not valid JSON: ${describeJsonError(line, (e as Error).message)}; line skipped`);
    }
  }
  return out;
}

interface Span {
  start: number;
  end: number;
  line: number;
}

function readArray(text: string, open: number, file: string, ctx: ImportContext): SourceRecord[] {
  const { spans, closed, after } = splitTopLevelArray(text, open);
  const out: SourceRecord[] = [];
  if (spans.length === 0 && closed) ctx.warning({ file, line: lineOf(text, open), field: '' }, '', 'the array holds no records');
  spans.forEach((span, i) => {
    const spot = { file, line: span.line, field: `[${i}]` };
    const slice = text.slice(span.start, span.end);
    if (slice.trim() === '') {
      ctx.error(spot, '', 'empty array element (two commas in a row or a trailing comma)');
      return;
    }
    const truncated = !closed && i === spans.length - 1;
    try {
      out.push({ value: JSON.parse(slice), index: i, spot });
      if (truncated) ctx.error(spot, '', 'the array is never closed with "]" (truncated file?)');
    } catch (e) {
      const where = locateJsonError(slice);
      const at = where ? { ...spot, line: span.line + countNewlines(slice, where.index) } : spot;
      const why = truncated ? 'the file ends inside this element (truncated JSON)' : `not valid JSON: ${describeJsonError(slice, (e as Error).message)}`;
      ctx.error(at, '', `${why}; element skipped`);
    }
  });
  if (after !== null) ctx.warning({ file, line: lineOf(text, after), field: '' }, '', 'text after the closing "]" is ignored');
  return out;
}

/** Splits `[a, b, …]` into element spans by tracking strings and nesting depth, without parsing. */
function splitTopLevelArray(text: string, open: number): { spans: Span[]; closed: boolean; after: number | null } {
  const spans: Span[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = 0;
  let line = lineOf(text, open);
  let closed = false;
  let i = open + 1;
  const begin = (at: number) => {
    if (start < 0) {
      start = at;
      startLine = line;
    }
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      if (depth === 0) begin(i);
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) begin(i);
      depth++;
    } else if ((c === '}' || c === ']') && depth > 0) {
      depth--;
    } else if (depth === 0 && (c === ',' || c === ']')) {
      if (start >= 0 || c === ',') spans.push({ start: start < 0 ? i : start, end: i, line: start < 0 ? line : startLine });
      start = -1;
      if (c === ']') {
        closed = true;
        break;
      }
    } else if (depth === 0 && !/\s/.test(c)) {
      begin(i);
    }
  }
  if (!closed && start >= 0) spans.push({ start, end: text.length, line: startLine });
  const rest = closed ? text.slice(i + 1).search(/\S/) : -1;
  return { spans, closed, after: rest >= 0 ? i + 1 + rest : null };
}

function lineOf(text: string, index: number): number {
  return countNewlines(text, index) + 1;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
