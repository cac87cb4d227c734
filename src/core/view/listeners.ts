/** A minimal typed event source (the core has no vscode.EventEmitter). */
export class Listeners<T> {
  private readonly list = new Set<(value: T) => void>();

  /** Returns the function that removes the listener. */
  add(listener: (value: T) => void): () => void {
    this.list.add(listener);
    return () => this.list.delete(listener);
  }

  fire(value: T): void {
    for (const listener of [...this.list]) {
      try {
        listener(value);
      } catch (error) {
        console.error('listener failed', error);
      }
    }
  }

  clear(): void {
    this.list.clear();
  }
}
