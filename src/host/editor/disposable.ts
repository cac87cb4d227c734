/** Anything with a dispose method (vscode.Disposable, emitters, watchers, our own objects). */
export interface DisposableLike {
  dispose(): unknown;
}

/**
 * A base for objects that own other disposables (hexeditor's `_register` pattern): whatever
 * is registered is disposed with the owner, in reverse order; registering after disposal
 * disposes at once.
 */
export abstract class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private disposedFlag = false;

  protected get isDisposed(): boolean {
    return this.disposedFlag;
  }

  protected _register<T extends DisposableLike>(value: T): T {
    if (this.disposedFlag) value.dispose();
    else this.owned.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const value of this.owned.splice(0).reverse()) {
      try {
        value.dispose();
      } catch (error) {
        console.error('dispose failed', error);
      }
    }
  }
}

export function toDisposable(dispose: () => unknown): DisposableLike {
  return { dispose };
}
