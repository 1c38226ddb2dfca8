import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { backoffMs, fetchFollowing, isRetryableStatus, PermanentRequestError, wait, type HubResponse, type RetryPolicy } from './hub-fetch';
import type { PlannedFile } from './select-files';

export class TransferError extends Error {
  constructor(
    message: string,
    /** Worth another try (a dropped connection, a busy server), not a refusal or bad data. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface TransferTarget {
  readonly url: string;
  readonly hubOrigin: string;
  readonly token: string | null;
  readonly file: PlannedFile;
  /** Where the bytes go; what is already there is kept and continued. */
  readonly partial: string;
  readonly policy: RetryPolicy;
  readonly signal: AbortSignal;
  /** Called with the bytes now on disk, as they arrive. */
  readonly onBytes: (done: number) => void;
}

/**
 * Fetches one file into `partial`, continuing what an earlier try left with
 * a Range request, and returns its sha256 once the whole file checks out
 * against the listing (sha256 for LFS files, the git blob id for small ones).
 * The ranged answer is trusted only when it is a 206 whose Content-Range
 * starts where the file ends; anything else starts the file again from zero.
 * Written here rather than with a library because none does resume, Range
 * checks and per-host token rules together.
 */
export async function transferFile(target: TransferTarget): Promise<string> {
  const { file, partial, policy, signal } = target;
  for (let attempt = 1; ; attempt++) {
    try {
      await fetchRest(target);
      break;
    } catch (error) {
      if (signal.aborted) throw error;
      const retryable = error instanceof TransferError ? error.retryable : !(error instanceof PermanentRequestError);
      if (!retryable || attempt >= policy.attempts) throw error instanceof TransferError ? error : new TransferError(`${file.remotePath}: ${describeFailure(error)}`, retryable);
      await wait(backoffMs(policy, attempt, (error as { response?: HubResponse }).response), signal);
    }
  }
  const { sha256, check } = await hashFile(partial, file.check.kind === 'git-sha1' ? file.size : null);
  if (check !== file.check.hex) {
    await truncate(partial, 0);
    throw new TransferError(`${file.remotePath} arrived damaged: its ${file.check.kind} is ${check}, the hub lists ${file.check.hex}`, false);
  }
  return sha256;
}

async function fetchRest(target: TransferTarget): Promise<void> {
  const { file, partial } = target;
  let have = await stat(partial).then((s) => s.size, () => 0);
  if (have > file.size) {
    await truncate(partial, 0);
    have = 0;
  }
  if (have === file.size) return;
  const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
  const response = await fetchFollowing(target.url, { headers, signal: target.signal, ...(target.policy.readTimeoutMs ? { readTimeoutMs: target.policy.readTimeoutMs } : {}) }, target.hubOrigin, target.token);
  if (response.status === 401 || response.status === 403) throw new TransferError(`${file.remotePath}: the hub refused access (${response.status}); the repository is private or gated and needs a token that may read it`, false);
  if (response.status === 404) throw new TransferError(`${file.remotePath} is not on the hub (404); the repository or revision may have been removed`, false);
  if (isRetryableStatus(response.status)) throw Object.assign(new TransferError(`${file.remotePath}: the server answered ${response.status}`, true), { response });
  if (response.status !== 200 && response.status !== 206) throw new TransferError(`${file.remotePath}: unexpected answer ${response.status}`, false);
  if (!response.body) throw new TransferError(`${file.remotePath}: the answer has no body`, true);

  let start = 0;
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    start = range && Number(range[1]) === have && (range[3] === '*' || Number(range[3]) === file.size) ? have : -1;
  }
  if (start < 0) {
    await response.body.cancel();
    await truncate(partial, 0);
    throw new TransferError(`${file.remotePath}: the server answered a range that does not continue the file`, true);
  }
  // A 200 to a ranged request means the server ignored the range: the whole file comes again.
  const handle = await open(partial, start === 0 ? 'w' : 'a');
  let done = start;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (done + chunk.length > file.size) throw new TransferError(`${file.remotePath}: the server sent more than the ${file.size} bytes the hub lists`, false);
      await handle.write(chunk);
      done += chunk.length;
      target.onBytes(done);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (done < file.size) throw new TransferError(`${file.remotePath}: the connection ended at byte ${done} of ${file.size}`, true);
}

/** undici wraps the socket's reason ("other side closed", a body timeout) in a bare "fetch failed" / "terminated". */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { message?: unknown } }).cause?.message;
  return typeof cause === 'string' && cause !== message ? `${message} (${cause})` : message;
}

/** The file's sha256, and the hash the listing checks it by. */
async function hashFile(path: string, gitBlobSize: number | null): Promise<{ sha256: string; check: string }> {
  const sha256 = createHash('sha256');
  const git = gitBlobSize === null ? null : createHash('sha1').update(`blob ${gitBlobSize}\0`);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    git?.update(chunk);
  }
  const hex = sha256.digest('hex');
  return { sha256: hex, check: git ? git.digest('hex') : hex };
}
