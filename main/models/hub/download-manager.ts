import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { listFiles, modelInfo } from '@huggingface/hub';
import { z } from 'zod';
import { DownloadRequest, HubRepo, type DownloadStatus, type NewManifest } from '../../../app/contract/models';
import { ModelId } from '../../../app/contract/model-id';
import { parseBoundedJson } from '../../../app/domain/bounded-json';
import { PARTIAL, writeAtomic } from '../../files/write-atomic';
import { SerialQueue } from '../../../app/domain/serial-queue';
import { formatBytes } from '../../../app/domain/units';
import { inspectModel } from '../inspect-model';
import { LibraryError } from '../library-error';
import { WORK_PREFIX, type ModelLibrary } from '../model-library';
import { DEFAULT_RETRY, hubApiFetch, type RetryPolicy } from './hub-fetch';
import { isSafeRelativePath, LayoutError, MAX_FILE_BYTES, selectFiles, type HubTreeEntry, type PlannedFile } from './select-files';
import { TransferError, transferFile } from './transfer';

export interface HubAccess {
  /** The hub's base URL (HF_ENDPOINT, else https://huggingface.co). */
  readonly endpoint: string;
  readonly token: () => Promise<string | null>;
}

export interface DownloadManagerOptions {
  readonly library: ModelLibrary;
  readonly hub: HubAccess;
  readonly onStatus: (status: DownloadStatus) => void;
  /** Called when a finished download has put a model into the library. */
  readonly onInstalled: (id: string) => void;
  readonly parallelFiles?: number;
  readonly retry?: RetryPolicy;
  /** How often progress is told, at most. */
  readonly progressIntervalMs?: number;
}

/** What a download keeps on disk, so it can go on after the studio restarts. */
const SafePath = z.string().refine(isSafeRelativePath, 'a path outside the model folder');
const JobRecord = z.object({
  request: z.object({ repo: HubRepo, revision: z.string().max(200), subfolder: z.string().max(200).nullable(), variant: z.string().max(20).nullable(), id: ModelId }),
  endpoint: z.string().max(2048),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  files: z
    .array(z.object({ remotePath: SafePath, localPath: SafePath, size: z.number().int().min(0).max(MAX_FILE_BYTES), check: z.object({ kind: z.enum(['sha256', 'git-sha1']), hex: z.string().regex(/^[0-9a-f]{40,64}$/) }) }))
    .max(100_000),
});
/** download.json is written by this class, but read back from a disk anyone may have edited. */
const MAX_JOB_FILE_BYTES = 16 * 2 ** 20;
type JobRecord = z.infer<typeof JobRecord>;
type Request = JobRecord['request'];

interface Job {
  status: DownloadStatus;
  record: JobRecord | null;
  controller: AbortController;
  /** Settles when the job stops for any reason. */
  finished: Promise<DownloadStatus>;
  settle: (status: DownloadStatus) => void;
  sha256: Map<string, string>;
  samples: { at: number; bytes: number }[];
  lastTold: number;
}

const JOB_FILE = 'download.json';
const FILES_DIR = 'files';

/**
 * Downloads from a Hugging Face hub into a work folder inside the library
 * (`.download-<id>`): listed once and pinned to the commit the listing
 * returned, fetched a few files at a time with resume, every file verified
 * against its hash, and renamed into the library only when all are. Paused
 * and interrupted downloads keep their work folder and go on later.
 */
export class DownloadManager {
  private readonly jobs = new Map<string, Job>();
  /** Starts one at a time, so two asks for one repository cannot both miss each other. */
  private readonly starting = new SerialQueue();

  constructor(private readonly options: DownloadManagerOptions) {}

  list(): DownloadStatus[] {
    return [...this.jobs.values()].map((j) => j.status);
  }

  /**
   * Finds downloads a previous run left unfinished; they are shown paused. A
   * work folder whose download.json is damaged is left alone (and said in
   * `problems`): it never stops the others from being restored.
   */
  async restore(): Promise<string[]> {
    const dir = this.options.library.dir;
    const problems: string[] = [];
    if (!existsSync(dir)) return problems;
    for (const entry of await readdir(dir).catch(() => [])) {
      if (!entry.startsWith(`${WORK_PREFIX}download-`)) continue;
      const work = join(dir, entry);
      try {
        const text = await readFile(join(work, JOB_FILE), 'utf8').catch(() => null);
        if (text === null) {
          await discard(work);
          continue;
        }
        const record = JobRecord.safeParse(parseBoundedJson(text, { maxBytes: MAX_JOB_FILE_BYTES }));
        if (!record.success) throw new Error(record.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '));
        if (this.jobs.has(record.data.request.id)) continue;
        const job = this.newJob(record.data.request);
        job.record = record.data;
        job.status = { ...job.status, commit: record.data.commit, phase: 'paused', error: 'Stopped when the studio closed; resume to go on', files: await this.fileProgress(record.data) };
        job.status = { ...job.status, ...totals(job.status.files) };
        this.jobs.set(job.status.id, job);
      } catch (error) {
        problems.push(`${join(work, JOB_FILE)} cannot be read (${(error as Error).message}); that download was not restored`);
      }
    }
    return problems;
  }

  /**
   * Starts a download; resolves once it is under way (use `whenDone` to wait
   * for the end). Asking again for a repository being downloaded joins that
   * download rather than starting a second one.
   */
  start(input: DownloadRequest): Promise<DownloadStatus> {
    return this.starting.run(() => this.startNow(input));
  }

  private async startNow(input: DownloadRequest): Promise<DownloadStatus> {
    const parsed = DownloadRequest.parse(input);
    const same = [...this.jobs.values()].find((j) => j.status.repo === parsed.repo && j.status.revision === parsed.revision && j.status.subfolder === parsed.subfolder && j.status.variant === parsed.variant && (!parsed.id || parsed.id === j.status.id));
    if (same && !['failed', 'cancelled', 'done'].includes(same.status.phase)) {
      if (same.status.phase === 'paused') return this.resume(same.status.id);
      return same.status;
    }
    const { models } = await this.options.library.list();
    const installed = models.find((m) => m.source.kind === 'hub' && m.source.repo === parsed.repo && m.source.revision === parsed.revision && m.source.subfolder === parsed.subfolder && m.source.variant === parsed.variant);
    if (installed) throw new LibraryError('model-exists', `${parsed.repo} is already in the library as "${installed.id}"`);
    if (parsed.id && (models.some((m) => m.id === parsed.id) || this.jobs.get(parsed.id)?.status.phase === 'downloading')) {
      throw new LibraryError('model-exists', `The library already has a model "${parsed.id}"`);
    }
    const id = parsed.id ?? (await this.freeId(parsed.repo.split('/')[1]!));
    const job = this.newJob({ repo: parsed.repo, revision: parsed.revision, subfolder: parsed.subfolder, variant: parsed.variant, id });
    this.jobs.set(id, job);
    this.run(job);
    return job.status;
  }

  async resume(id: string): Promise<DownloadStatus> {
    const job = this.job(id);
    if (job.status.phase !== 'paused' && job.status.phase !== 'failed') return job.status;
    const fresh = this.newJob(this.requestOf(job));
    fresh.record = job.record;
    fresh.status = { ...job.status, phase: 'queued', error: null };
    this.jobs.set(id, fresh);
    this.run(fresh);
    return fresh.status;
  }

  /** Stops a download, keeping what it fetched for a later resume. */
  async pause(id: string): Promise<DownloadStatus> {
    const job = this.job(id);
    if (['paused', 'failed', 'cancelled', 'done'].includes(job.status.phase)) return job.status;
    job.controller.abort('pause');
    return job.finished;
  }

  /** Stops a download and throws away what it fetched. */
  async cancel(id: string): Promise<DownloadStatus> {
    const job = this.job(id);
    if (job.status.phase === 'done') return job.status;
    if (['paused', 'failed'].includes(job.status.phase)) {
      await discard(this.workFolder(id));
      this.tell(job, { phase: 'cancelled', error: null }, true);
      return job.status;
    }
    job.controller.abort('cancel');
    return job.finished;
  }

  whenDone(id: string): Promise<DownloadStatus> {
    return this.job(id).finished;
  }

  /** Stops every download as if paused (on quit); they resume after the next start. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => !['paused', 'failed', 'cancelled', 'done'].includes(j.status.phase)).map((j) => this.pause(j.status.id)));
  }

  private job(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new LibraryError('unknown-model', `There is no download "${id}"`);
    return job;
  }

  private requestOf(job: Job): Request {
    const { repo, revision, subfolder, variant, id } = job.status;
    return { repo, revision, subfolder, variant, id };
  }

  private async freeId(name: string): Promise<string> {
    for (let n = 1; ; n++) {
      const id = await this.options.library.freeId(n === 1 ? name : `${name}-${n}`);
      if (!this.jobs.has(id) && !existsSync(this.workFolder(id))) return id;
    }
  }

  private workFolder(id: string): string {
    return join(this.options.library.dir, `${WORK_PREFIX}download-${id}`);
  }

  private newJob(request: Request): Job {
    let settle!: (status: DownloadStatus) => void;
    const finished = new Promise<DownloadStatus>((resolve) => (settle = resolve));
    const job: Job = {
      status: { ...request, commit: null, phase: 'queued', error: null, files: [], bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null },
      record: null,
      controller: new AbortController(),
      finished,
      settle,
      sha256: new Map(),
      samples: [],
      lastTold: 0,
    };
    return job;
  }

  private run(job: Job): void {
    this.download(job).then(
      () => job.settle(job.status),
      (error: unknown) => this.stopped(job, error),
    );
  }

  /** How a download that threw ends: told, and settled, whatever else fails on the way. */
  private async stopped(job: Job, error: unknown): Promise<void> {
    try {
      const reason = job.controller.signal.reason as unknown;
      if (reason === 'cancel') {
        await discard(this.workFolder(job.status.id));
        this.tell(job, { phase: 'cancelled', error: null, bytesPerSecond: 0, etaSeconds: null }, true);
      } else if (reason === 'pause') {
        this.tell(job, { phase: 'paused', error: null, bytesPerSecond: 0, etaSeconds: null }, true);
      } else {
        // Nothing fetched yet (the listing failed): nothing worth keeping for a resume.
        if (!job.record) await discard(this.workFolder(job.status.id));
        this.tell(job, { phase: 'failed', error: describe(error), bytesPerSecond: 0, etaSeconds: null }, true);
      }
    } finally {
      job.settle(job.status);
    }
  }

  private async download(job: Job): Promise<void> {
    const { signal } = job.controller;
    const work = this.workFolder(job.status.id);
    const token = await this.options.hub.token();
    const hubOrigin = new URL(this.options.hub.endpoint).origin;
    const policy = this.options.retry ?? DEFAULT_RETRY;
    await mkdir(join(work, FILES_DIR), { recursive: true }).catch((error: Error) => {
      throw new LibraryError('download-failed', `The library folder ${this.options.library.dir} cannot be written: ${error.message}`);
    });
    if (!job.record) {
      this.tell(job, { phase: 'listing' }, true);
      job.record = await this.listRepository(this.requestOf(job), hubApiFetch(hubOrigin, token, policy, signal));
      await writeAtomic(join(work, JOB_FILE), JSON.stringify(job.record, null, 2));
    }
    const record = job.record;
    const files = await this.fileProgress(record);
    this.tell(job, { commit: record.commit, files, ...totals(files), phase: 'downloading' }, true);
    await this.ensureRoom(job.status.bytesTotal - job.status.bytesDone);

    const queue = [...record.files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const partial = join(work, FILES_DIR, file.localPath + PARTIAL);
        // The listing's paths were checked when it was read; this holds even for a record edited since.
        if (!resolve(partial).startsWith(resolve(work, FILES_DIR) + sep)) throw new LibraryError('download-failed', `${file.remotePath} would be written outside the download's folder; refused`);
        await mkdir(dirname(partial), { recursive: true });
        const url = `${this.options.hub.endpoint.replace(/\/+$/, '')}/${job.status.repo}/resolve/${record.commit}/${file.remotePath.split('/').map(encodeURIComponent).join('/')}`;
        const sha256 = await transferFile({ url, hubOrigin, token, file, partial, policy, signal, onBytes: (done) => this.progress(job, file, done, false) });
        job.sha256.set(file.localPath, sha256);
        this.progress(job, file, file.size, true);
      }
    };
    await Promise.all(Array.from({ length: this.options.parallelFiles ?? 3 }, worker));
    signal.throwIfAborted();
    this.tell(job, { phase: 'verifying', bytesPerSecond: 0, etaSeconds: 0 }, true);
    await this.install(job, record, work);
  }

  private async listRepository(request: Request, fetch: typeof globalThis.fetch): Promise<JobRecord> {
    const hubUrl = this.options.hub.endpoint.replace(/\/+$/, '');
    const info = await modelInfo({ name: request.repo, revision: request.revision, hubUrl, fetch, additionalFields: ['sha'] }).catch((error: unknown) => hubRefusal(error, request));
    const commit = (info as { sha?: unknown }).sha;
    if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) throw new LibraryError('download-failed', `The hub gave no commit for ${request.repo}@${request.revision}`);
    const entries: HubTreeEntry[] = [];
    try {
      for await (const entry of listFiles({ repo: { type: 'model', name: request.repo }, revision: commit, recursive: true, hubUrl, fetch, ...(request.subfolder ? { path: request.subfolder } : {}) })) entries.push(entry);
    } catch (error) {
      hubRefusal(error, request);
    }
    try {
      const files = selectFiles(entries, request.subfolder, request.variant);
      return { request, endpoint: hubUrl, commit, files };
    } catch (error) {
      if (error instanceof LayoutError) throw new LibraryError('download-failed', `${request.repo}@${request.revision}: ${error.message}`);
      throw error;
    }
  }

  private async ensureRoom(needed: number): Promise<void> {
    const free = await this.options.library.freeBytes();
    if (free !== null && needed > free) throw new LibraryError('disk-full', `The download needs ${formatBytes(needed)} more and the library's disk has ${formatBytes(free)} free`);
  }

  /** Checks the whole model, records it and renames it into the library: the one step that makes it appear. */
  private async install(job: Job, record: JobRecord, work: string): Promise<void> {
    const folder = join(work, FILES_DIR);
    for (const file of record.files) await rename(join(folder, file.localPath + PARTIAL), join(folder, file.localPath));
    const inspection = await inspectModel(folder);
    if (inspection.problem) throw new LibraryError('download-failed', `${job.status.repo} downloaded but cannot run: ${inspection.problem}`);
    const manifest: NewManifest = {
      format: 1,
      id: job.status.id,
      name: job.status.repo,
      detectedFamily: inspection.detectedFamily,
      familyOverride: null,
      source: { kind: 'hub', endpoint: record.endpoint, repo: job.status.repo, revision: job.status.revision, commit: record.commit, subfolder: job.status.subfolder, variant: job.status.variant },
      folder: null,
      files: record.files.map((f) => ({ path: f.localPath, size: f.size, sha256: job.sha256.get(f.localPath)! })),
      nativeSize: inspection.nativeSize,
      addedAt: new Date().toISOString(),
      lastUsedAt: null,
    };
    await this.options.library.add(folder, manifest);
    await rm(work, { recursive: true, force: true });
    this.tell(job, { phase: 'done' }, true);
    this.options.onInstalled(job.status.id);
  }

  private async fileProgress(record: JobRecord): Promise<DownloadStatus['files']> {
    const work = this.workFolder(record.request.id);
    return Promise.all(
      record.files.map(async (f) => ({ path: f.localPath, size: f.size, done: await stat(join(work, FILES_DIR, f.localPath + PARTIAL)).then((s) => Math.min(s.size, f.size), () => 0), verified: false })),
    );
  }

  private progress(job: Job, file: PlannedFile, done: number, verified: boolean): void {
    const files = job.status.files.map((f) => (f.path === file.localPath ? { ...f, done, verified } : f));
    const sums = totals(files);
    const now = Date.now();
    job.samples.push({ at: now, bytes: sums.bytesDone });
    while (job.samples.length > 2 && now - job.samples[0]!.at > 5000) job.samples.shift();
    const first = job.samples[0]!;
    const seconds = (now - first.at) / 1000;
    const bytesPerSecond = seconds > 0.2 ? (sums.bytesDone - first.bytes) / seconds : 0;
    const etaSeconds = bytesPerSecond > 0 ? (sums.bytesTotal - sums.bytesDone) / bytesPerSecond : null;
    this.tell(job, { files, ...sums, bytesPerSecond, etaSeconds }, verified);
  }

  private tell(job: Job, change: Partial<DownloadStatus>, always: boolean): void {
    job.status = { ...job.status, ...change };
    const now = Date.now();
    if (!always && now - job.lastTold < (this.options.progressIntervalMs ?? 250)) return;
    job.lastTold = now;
    try {
      this.options.onStatus(job.status);
    } catch (error) {
      // Telling is never worth a download, nor main: a listener that fails is reported, the download goes on.
      console.error(`Wordbrush: a download status could not be sent: ${(error as Error).message}`);
    }
  }
}

/** Removes a work folder; one that cannot be removed is left for the next cleanup rather than failing what is being told. */
const discard = (folder: string) => rm(folder, { recursive: true, force: true }).catch(() => undefined);

function totals(files: DownloadStatus['files']): { bytesDone: number; bytesTotal: number } {
  return { bytesDone: files.reduce((s, f) => s + f.done, 0), bytesTotal: files.reduce((s, f) => s + f.size, 0) };
}

function hubRefusal(error: unknown, request: Request): never {
  const status = (error as { statusCode?: unknown }).statusCode;
  const name = `${request.repo}@${request.revision}`;
  if (status === 401 || status === 403) throw new LibraryError('download-failed', `The hub refused ${name} (${status}): the repository is private or gated; set a token (HF_TOKEN or the Models panel) that may read it`);
  if (status === 404) throw new LibraryError('download-failed', `${name} was not found on the hub (404): check the name and revision`);
  if (typeof status === 'number') throw new LibraryError('download-failed', `The hub answered ${status} for ${name}: ${(error as Error).message}`);
  throw new LibraryError('download-failed', `The hub cannot be reached for ${name}: ${(error as Error).message}`);
}

function describe(error: unknown): string {
  if (error instanceof LibraryError || error instanceof TransferError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
