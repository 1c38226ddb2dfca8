import { inferenceContract } from '../../app/contract/inference';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../app/contract/define';
import type { InferenceStatus } from '../../app/contract/studio';
import { createClient, type Client } from '../../app/rpc/client';
import { StudioError } from '../../app/rpc/errors';
import type { InferenceChild, LaunchInference } from './inference-child';

type Calls = typeof inferenceContract.calls;
type Events = typeof inferenceContract.events;

export interface SupervisorOptions {
  readonly launch: LaunchInference;
  readonly onStatus: (status: InferenceStatus) => void;
  readonly onEvent: <K extends EventName<Events>>(name: K, payload: EventPayload<Events, K>) => void;
  /** Delay before the n-th consecutive restart (n from 1). */
  readonly restartDelayMs?: (attempt: number) => number;
  /** More crashes than this within crashWindowMs stop the restarts (state 'failed'). */
  readonly maxCrashes?: number;
  readonly crashWindowMs?: number;
  /**
   * How long a new process has to answer its first call before it counts as hung. It doubles with each
   * crash in the current window, so a machine too loaded to start the process in time gets more time
   * on each try instead of a crash loop.
   */
  readonly helloTimeoutMs?: number;
  /** How long a call waits for a process that is (re)starting. */
  readonly readyTimeoutMs?: number;
}

const defaultRestartDelay = (attempt: number) => Math.min(10_000, 250 * 2 ** (attempt - 1));

interface Running {
  readonly child: InferenceChild;
  readonly client: Client<Calls, Events>;
}

/**
 * Keeps one inference process alive. It launches the process, waits for it to
 * answer, routes calls to it and forwards its events; when it dies unasked it
 * fails the calls in flight with `inference-unavailable`, reports the crash
 * and starts a new one after a backoff, until crashes come too fast.
 */
export class InferenceSupervisor {
  private running: Running | null = null;
  private current: InferenceStatus = { state: 'stopped', pid: null, restarts: 0, lastCrash: null };
  private crashTimes: number[] = [];
  private readyWaiters: { resolve(): void; reject(error: StudioError): void }[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private onnxruntimeVersion: string | null = null;
  private readonly options: Required<SupervisorOptions>;

  constructor(options: SupervisorOptions) {
    this.options = {
      restartDelayMs: defaultRestartDelay,
      maxCrashes: 5,
      crashWindowMs: 60_000,
      helloTimeoutMs: 30_000,
      readyTimeoutMs: 60_000,
      ...options,
    };
  }

  status(): InferenceStatus {
    return this.current;
  }

  /** onnxruntime's version as the inference process reported it; null until one has answered. */
  engineVersion(): string | null {
    return this.onnxruntimeVersion;
  }

  start(): void {
    this.clearRestartTimer();
    this.crashTimes = [];
    this.launch();
  }

  /** Stops the process on purpose: no crash is reported and no restart follows. */
  async stop(): Promise<void> {
    this.clearRestartTimer();
    const running = this.running;
    this.running = null;
    this.setStatus({ state: 'stopped', pid: null });
    this.rejectWaiters(new StudioError('inference-unavailable', 'The inference process was stopped'));
    if (!running) return;
    const exited = new Promise<void>((resolve) => running.child.onExit(() => resolve()));
    running.client.failPending(new StudioError('inference-unavailable', 'The inference process was stopped'));
    running.child.kill();
    await exited;
  }

  /**
   * Kills a process that stopped making progress: the calls in flight fail
   * with `error` (not as a crash), and the exit is handled as a crash, so a
   * new process starts.
   */
  killHung(error: StudioError): void {
    const running = this.running;
    if (!running) return;
    running.client.failPending(error);
    running.child.kill();
  }

  async restart(): Promise<InferenceStatus> {
    await this.stop();
    this.start();
    await this.whenReady();
    return this.current;
  }

  async call<K extends CallName<Calls>>(method: K, input: CallInput<Calls, K>): Promise<CallOutput<Calls, K>> {
    await this.whenReady();
    return this.running!.client.call(method, input);
  }

  private whenReady(): Promise<void> {
    const { state } = this.current;
    if (state === 'ready' && this.running) return Promise.resolve();
    if (state === 'failed' || state === 'stopped') {
      return Promise.reject(new StudioError('inference-unavailable', `The inference process is ${state}${this.current.lastCrash ? ` (last crash: ${this.current.lastCrash})` : ''}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new StudioError('inference-unavailable', 'The inference process did not become ready in time'));
      }, this.options.readyTimeoutMs);
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: StudioError) => (clearTimeout(timer), reject(error)),
      };
      this.readyWaiters.push(waiter);
    });
  }

  private launch(): void {
    let child: InferenceChild;
    try {
      child = this.options.launch();
    } catch (thrown) {
      this.handleExit(null, `failed to start: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      return;
    }
    const client = createClient(inferenceContract, { send: (message) => child.send(message), onMessage: (listener) => child.onMessage(listener) });
    const running: Running = { child, client };
    this.running = running;
    this.setStatus({ state: 'starting', pid: child.pid ?? null });
    for (const name of Object.keys(inferenceContract.events) as EventName<Events>[]) {
      client.on(name, (payload) => this.running === running && this.options.onEvent(name, payload));
    }
    child.onExit((reason) => this.handleExit(running, reason));

    const hello = client.call('engine.hello', {});
    const timeout = new Promise<never>((_, reject) => {
      const patience = this.options.helloTimeoutMs * 2 ** this.crashTimes.length;
      const timer = setTimeout(() => reject(new StudioError('inference-unavailable', 'no answer to hello')), patience);
      void hello.finally(() => clearTimeout(timer)).catch(() => undefined);
    });
    Promise.race([hello, timeout]).then(
      ({ pid, onnxruntime }) => {
        if (this.running !== running) return;
        this.onnxruntimeVersion = onnxruntime;
        this.setStatus({ state: 'ready', pid });
        const waiters = this.readyWaiters;
        this.readyWaiters = [];
        for (const waiter of waiters) waiter.resolve();
      },
      () => {
        // A process that will not answer is as good as crashed: kill it and let the exit handler restart it.
        if (this.running === running) child.kill();
      },
    );
  }

  private handleExit(running: Running | null, reason: string): void {
    if (running && this.running !== running) return;
    this.running = null;
    running?.client.failPending(new StudioError('inference-unavailable', `The inference process crashed (${reason})`));
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.options.crashWindowMs), now];
    const restarts = this.current.restarts + 1;
    if (this.crashTimes.length > this.options.maxCrashes) {
      this.setStatus({ state: 'failed', pid: null, lastCrash: reason });
      this.rejectWaiters(new StudioError('inference-unavailable', `The inference process keeps crashing (${reason}); restart it from the status bar`));
      return;
    }
    this.setStatus({ state: 'crashed', pid: null, lastCrash: reason, restarts });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.launch();
    }, this.options.restartDelayMs(this.crashTimes.length));
  }

  private rejectWaiters(error: StudioError): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private setStatus(change: Partial<InferenceStatus>): void {
    this.current = { ...this.current, ...change };
    this.options.onStatus(this.current);
  }
}
