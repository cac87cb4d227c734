/**
 * Finds where a JSON text first goes wrong. V8's own messages often give no position (and quote
 * the whole line), so after `JSON.parse` fails we re-scan the text to name a 1-based column.
 */
export interface JsonErrorLocation {
  /** 0-based index into the text (UTF-16 code units). */
  index: number;
  message: string;
}

class JsonSyntaxError extends Error {
  constructor(readonly index: number, message: string) {
    super(message);
  }
}

export function locateJsonError(text: string): JsonErrorLocation | null {
  const scanner = new Scanner(text);
  try {
    scanner.skipWhitespace();
    scanner.value(0);
    scanner.skipWhitespace();
    if (scanner.pos < text.length) scanner.fail('Unexpected non-whitespace character after JSON');
    return null;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { index: error.index, message: error.message };
    throw error;
  }
}

/** `Unexpected token 'N' at column 12`, for a finding's message. */
export function describeJsonError(text: string, fallback: string): string {
  const where = locateJsonError(text);
  if (!where) return fallback;
  return `${where.message} at column ${where.index + 1}`;
}

const MAX_DEPTH = 5000;
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(this.pos, message);
  }

  private unexpected(): never {
    if (this.pos >= this.text.length) this.fail('Unexpected end of JSON input');
    const ch = this.text[this.pos] as string;
    this.fail(`Unexpected token ${JSON.stringify(ch).replace(/^"|"$/g, "'")}`);
  }

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) this.fail('JSON nested too deeply');
    const ch = this.text[this.pos];
    if (ch === '{') return this.object(depth);
    if (ch === '[') return this.array(depth);
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    this.unexpected();
  }

  private object(depth: number): void {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.unexpected();
      this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.unexpected();
      this.pos++;
      this.skipWhitespace();
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') this.pos++;
      else if (next === '}') {
        this.pos++;
        return;
      } else this.unexpected();
    }
  }

  private array(depth: number): void {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') this.pos++;
      else if (next === ']') {
        this.pos++;
        return;
      } else this.unexpected();
    }
  }

  private string(): void {
    const t = this.text;
    this.pos++;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c < 0x20) this.fail('Bad control character in string literal');
      if (c === 0x5c) {
        const esc = t[this.pos + 1];
        if (esc === undefined) {
          this.pos++;
          this.unexpected();
        }
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
            this.pos += 2;
            this.fail('Bad Unicode escape in string');
          }
          this.pos += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(esc)) {
          this.pos++;
          this.fail('Bad escaped character in string');
        }
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    this.fail('Unterminated string in JSON');
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.unexpected();
    const after = this.text[this.pos + match[0].length];
    if (after === '.' || after === 'e' || after === 'E') {
      this.pos += match[0].length + 1;
      this.unexpected();
    }
    this.pos += match[0].length;
  }
}
