/**
 * The external-store half of React's useSyncExternalStore, shared by every model the views
 * read: listeners, a version that changes on every change, and emit().
 */
export class Store {
  version = 0;
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  emit(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}
