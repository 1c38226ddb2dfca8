import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImageError, type ImageErrorCode } from './image-error';

/** Work the image worker does: check that bytes are a PNG within the limits, or make a thumbnail of one. */
type ImageWork = { readonly bytes: Uint8Array; readonly origin: string } & ({ readonly kind: 'check' } | { readonly kind: 'thumbnail'; readonly side: number });
export type ImageJob = ImageWork & { readonly id: number };
export type ImageReply = { readonly id: number; readonly ok: true; readonly result: { width: number; height: number } | Uint8Array } | { readonly id: number; readonly ok: false; readonly code: ImageErrorCode; readonly message: string };

type Pending = { resolve: (result: unknown) => void; reject: (error: Error) => void };

/** The worker's script: the built bundle beside main's, or its source when main runs from TypeScript (tests, tsx). */
const workerScript = () => [join(__dirname, 'image-worker.js'), join(__dirname, 'image-worker.ts')].find((path) => existsSync(path)) ?? join(__dirname, 'image-worker.js');

/**
 * Main's side of the image worker: one worker thread, started on first use,
 * jobs answered in any order by id. A worker that dies (out of memory on a
 * hostile image) fails its jobs with a typed error and is started afresh
 * for the next; it never holds main open.
 */
class ImageWorkerClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  run(job: ImageWork): Promise<unknown> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const worker = this.ensureWorker();
      // Held open while it has work, so an awaited job is never cut short; let go when idle.
      worker.ref();
      worker.postMessage({ ...job, id });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerScript(), { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    worker.on('message', (reply: ImageReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!pending) return;
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new ImageError(reply.code, reply.message));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(new ImageError('invalid-image', `The image could not be read (${error.message})`));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the image worker stopped with code ${code}`)));
    // Only after the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const client = new ImageWorkerClient();

/** Checks PNG bytes (signature, limits, bounded inflate, full decode) off the event loop; throws ImageError in words. */
export async function checkPng(bytes: Uint8Array, origin: string): Promise<{ width: number; height: number }> {
  return (await client.run({ kind: 'check', bytes, origin })) as { width: number; height: number };
}

/** A PNG thumbnail at most `side` pixels a side, made off the event loop; throws ImageError when the image cannot be read. */
export async function thumbnailPng(bytes: Uint8Array, side: number, origin: string): Promise<Uint8Array> {
  return (await client.run({ kind: 'thumbnail', bytes, side, origin })) as Uint8Array;
}
