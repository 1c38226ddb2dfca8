import { parentPort } from 'node:worker_threads';
import { decodeRgbPng } from './png-images';
import { encodePng } from './png';
import { ImageError } from './image-error';
import type { ImageJob, ImageReply } from './image-jobs';

/**
 * The image worker: decoding, checking and thumbnailing PNGs off main's
 * event loop, so a large or hostile image never stops main from answering
 * (an 8000x4000 16-bit PNG takes seconds to decode).
 */
parentPort?.on('message', (job: ImageJob) => {
  let reply: ImageReply;
  try {
    reply = { id: job.id, ok: true, result: run(job) };
  } catch (error) {
    reply = { id: job.id, ok: false, code: error instanceof ImageError ? error.code : 'invalid-image', message: (error as Error).message };
  }
  parentPort!.postMessage(reply, reply.ok && reply.result instanceof Uint8Array ? [reply.result.buffer as ArrayBuffer] : []);
});

function run(job: ImageJob): { width: number; height: number } | Uint8Array {
  const image = decodeRgbPng(job.bytes, job.origin);
  if (job.kind === 'check') return { width: image.width, height: image.height };
  const scale = Math.min(1, job.side / Math.max(image.width, image.height));
  const [w, h] = [Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale))];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (Math.min(image.height - 1, Math.floor(y / scale)) * image.width + Math.min(image.width - 1, Math.floor(x / scale))) * 3;
      data.set(image.data.subarray(from, from + 3), (y * w + x) * 3);
    }
  }
  return new Uint8Array(encodePng(w, h, data));
}
