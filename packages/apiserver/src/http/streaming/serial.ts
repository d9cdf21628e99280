// Runs async steps one after another in the order they were queued: stdin writes
// and its end of file must reach the process in the order the client sent them.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  push(step: () => Promise<void> | void, onError: (err: unknown) => void): void {
    this.tail = this.tail.then(step).catch(onError);
  }
}
