/**
 * Interned strings for the row index: many rows share a task id, a question or a data source,
 * so each distinct value is stored once (with its lower-case form for text search) and rows
 * keep a small integer reference.
 */
export class StringTable {
  readonly values: string[] = [];
  readonly lower: string[] = [];
  private readonly refs = new Map<string, number>();

  intern(value: string): number {
    let ref = this.refs.get(value);
    if (ref === undefined) {
      ref = this.values.length;
      this.values.push(value);
      this.lower.push(lowerCase(value));
      this.refs.set(value, ref);
    }
    return ref;
  }

  /** The reference of a value already interned, or -1. */
  find(value: string): number {
    return this.refs.get(value) ?? -1;
  }

  get size(): number {
    return this.values.length;
  }
}

/** Lower-cases, sharing the original string when nothing changes (most ids and answers). */
export function lowerCase(value: string): string {
  const lower = value.toLowerCase();
  return lower === value ? value : lower;
}
