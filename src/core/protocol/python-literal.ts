/**
 * A small evaluator for the Python literals a model writes as a `bbox_2d` value, used to
 * reproduce Mini-o3's `eval(bbox)` outcome and error text. Supports numbers (ints, floats,
 * exponents, underscores, unary +/-), strings, True/False/None, lists and tuples. Anything
 * else yields a Python-style error; `exact` tells whether that text is known to be
 * what CPython prints.
 */
export type PyValue = number | boolean | string | null | PyList | PyTuple;
export interface PyList {
  kind: 'list';
  items: PyValue[];
}
export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}

export type PyEvalResult = { ok: true; value: PyValue } | { ok: false; error: string; exact: boolean };

class PySyntaxError extends Error {
  constructor(readonly exact: boolean, message = 'invalid syntax (<string>, line 1)') {
    super(message);
  }
}
class PyNameError extends Error {}

export function evalPythonLiteral(source: string): PyEvalResult {
  const p = new Parser(source);
  try {
    p.skipSpace();
    if (p.atEnd()) throw new PySyntaxError(false);
    const value = p.expression();
    p.skipSpace();
    if (!p.atEnd()) throw new PySyntaxError(false);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof PyNameError) return { ok: false, error: e.message, exact: true };
    if (e instanceof PySyntaxError) return { ok: false, error: e.message, exact: e.exact };
    throw e;
  }
}

/** Python's repr of a value, for error messages (`[1, 2, 3, 4]`, `0.5`, `'a'`). */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyFloatOrIntRepr(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const inner = v.items.map(pyRepr).join(', ');
  if (v.kind === 'list') return `[${inner}]`;
  return v.items.length === 1 ? `(${inner},)` : `(${inner})`;
}

function pyFloatOrIntRepr(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) return String(n);
  return String(n);
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  skipSpace(): void {
    while (this.i < this.s.length && /[ \t\n\r\f\v]/.test(this.s[this.i]!)) this.i++;
  }

  expression(): PyValue {
    // A bare top-level comma makes a tuple, as in `eval("0.1, 0.2, 0.3, 0.4")`.
    const first = this.unary();
    this.skipSpace();
    if (this.s[this.i] !== ',') return first;
    const items = [first];
    while (this.s[this.i] === ',') {
      this.i++;
      this.skipSpace();
      if (this.atEnd()) break;
      items.push(this.unary());
      this.skipSpace();
    }
    return { kind: 'tuple', items };
  }

  private unary(): PyValue {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === '-' || c === '+') {
      this.i++;
      const v = this.unary();
      if (typeof v === 'number') return c === '-' ? -v : v;
      if (typeof v === 'boolean') return c === '-' ? -Number(v) : Number(v);
      throw new PySyntaxError(false, `bad operand type for unary ${c}`);
    }
    return this.atom();
  }

  private atom(): PyValue {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === undefined) throw new PySyntaxError(false);
    if (c === '[') return { kind: 'list', items: this.sequence(']') };
    if (c === '(') {
      const start = this.i;
      const items = this.sequence(')');
      const hadComma = /,\s*\)$/.test(this.s.slice(start, this.i)) || items.length !== 1;
      return hadComma ? { kind: 'tuple', items } : items[0]!;
    }
    if (c === '"' || c === "'") return this.string(c);
    if (/[0-9.]/.test(c)) return this.number();
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
      throw new PyNameError(`name '${m[0]}' is not defined`);
    }
    throw new PySyntaxError(false);
  }

  private sequence(close: string): PyValue[] {
    this.i++; // opening bracket
    const items: PyValue[] = [];
    this.skipSpace();
    if (this.s[this.i] === close) {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.unary());
      this.skipSpace();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        this.skipSpace();
        if (this.s[this.i] === close) {
          this.i++;
          return items;
        }
        continue;
      }
      if (c === close) {
        this.i++;
        return items;
      }
      if (c === undefined) {
        throw new PySyntaxError(true, `'${close === ']' ? '[' : '('}' was never closed (<string>, line 1)`);
      }
      throw new PySyntaxError(false);
    }
  }

  private string(quote: string): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\n') break;
      out += c;
      this.i++;
    }
    throw new PySyntaxError(false, 'unterminated string literal (detected at line 1) (<string>, line 1)');
  }

  private number(): number {
    const m = /^(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?/.exec(this.s.slice(this.i));
    const text = m?.[0] ?? '';
    if (text === '' || text === '.' || /^\.[eE]/.test(text)) throw new PySyntaxError(false);
    if (/^0\d/.test(text.replace(/_/g, '')) && !/[.eE]/.test(text) && /[1-9]/.test(text)) {
      throw new PySyntaxError(
        true,
        'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)',
      );
    }
    this.i += text.length;
    if (/[A-Za-z_]/.test(this.s[this.i] ?? '')) throw new PySyntaxError(false);
    return Number(text.replace(/_/g, ''));
  }
}
