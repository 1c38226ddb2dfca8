import { fork } from 'node:child_process';
import { APP_VERSION_FLAG, CACHE_DIR_FLAG, MODELS_DIR_FLAG } from '../inference/process-args';

/**
 * One running inference process as the supervisor sees it, whatever started
 * it: a forked Node process (browser mode, tests) or an Electron utility
 * process (the desktop app).
 */
export interface InferenceChild {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, with the exit in words ("exit code 3", "killed by SIGKILL", "failed to start: …"). */
  onExit(listener: (reason: string) => void): void;
  kill(): void;
}

export type LaunchInference = () => InferenceChild;

/** The built inference program, as the app ships it. */
export interface InferenceProgram {
  /** The built inference script (dist/main/inference.js). */
  readonly script: string;
  /** The models folder (for the probe graph and the bundled model). */
  readonly modelsDir: string;
  readonly appVersion: string;
}

/** The program plus the library folders it may write: the engine never decides where the library is. */
export interface InferenceEntry extends InferenceProgram {
  /** Where patched UNet graphs are cached (the library's cache/ folder). */
  readonly cacheDir: string;
}

export function inferenceArgs(entry: InferenceEntry): string[] {
  return [MODELS_DIR_FLAG, entry.modelsDir, APP_VERSION_FLAG, entry.appVersion, CACHE_DIR_FLAG, entry.cacheDir];
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  return `exit code ${code ?? 'unknown'}`;
}

/** Browser mode and tests: the inference process is a forked Node process. */
export function forkLauncher(entry: InferenceEntry): LaunchInference {
  return () => {
    // Its stdout goes to our stderr: native libraries print there, and a test runner reads our stdout as its own channel.
    const child = fork(entry.script, inferenceArgs(entry), { stdio: ['ignore', 2, 2, 'ipc'], serialization: 'json' });
    let exited = false;
    const exitListeners: ((reason: string) => void)[] = [];
    const exit = (reason: string) => {
      if (exited) return;
      exited = true;
      for (const listener of exitListeners) listener(reason);
    };
    child.on('exit', (code, signal) => exit(describeExit(code, signal)));
    child.on('error', (error) => {
      exit(`failed: ${error.message}`);
      child.kill('SIGKILL');
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (child.connected) child.send(message as object);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => child.kill('SIGKILL'),
    };
  };
}
