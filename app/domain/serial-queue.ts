/**
 * Runs work one piece at a time, in the order asked: each starts once the
 * one before has settled, fulfilled or failed (a failure is its caller's,
 * never the next piece's). Generations in the inference process, the
 * library's manifest writes and download starts go through one each.
 */
export class SerialQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => T | Promise<T>): Promise<T> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => undefined);
    return next;
  }
}
