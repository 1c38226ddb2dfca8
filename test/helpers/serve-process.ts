import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `node dist/main/serve.js` exactly as `npm run serve` does, on a free port, and reads the URL
 * it prints. Its library lives in a fresh folder (WORDBRUSH_HOME), never the user's.
 */
export function startServe(args: string[] = [], env: NodeJS.ProcessEnv = {}, home = mkdtempSync(join(tmpdir(), 'wordbrush-home-'))): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'main', 'serve.js'), '--port', '0', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HF_TOKEN: '', HF_ENDPOINT: '', ...env, WORDBRUSH_HOME: home },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 20 s:\n${output}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    child.stdout.on('data', () => {
      const url = /http:\/\/\S+\?token=\S+/.exec(output)?.[0];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, child, output: () => output, stop });
    });
  });
}
