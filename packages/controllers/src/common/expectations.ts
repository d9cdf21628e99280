// Expectations after client-go's ControllerExpectations: after creating or deleting
// N pods a controller waits until its informer has seen those N changes before it
// counts again, so it never doubles a create it has not yet observed. Expectations
// expire, so a lost watch event cannot stall a controller for ever.
const expectationsTimeoutMs = 5 * 60_000;

interface Expected {
  adds: number;
  dels: number;
  setAtMs: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expected>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the controller of `key` may act on what its informers show. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels <= 0) return true;
    return this.now() - e.setAtMs > expectationsTimeoutMs;
  }

  expect(key: string, adds: number, dels: number): void {
    this.byKey.set(key, { adds, dels, setAtMs: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.dels--;
  }

  /** A create or delete that failed will never be observed. */
  lowerExpectations(key: string, adds: number, dels: number): void {
    const e = this.byKey.get(key);
    if (!e) return;
    e.adds -= adds;
    e.dels -= dels;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
