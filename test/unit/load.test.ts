import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StudioError } from '../../app/rpc/errors';
import type { StudioBackend } from '../../main/core/studio-backend';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { browserBackend, temporary } from '../helpers/backend';
import { builtPaths, requireBuild } from '../helpers/paths';
import { connectStudioSocket } from '../helpers/socket-client';
import { waitFor } from '../helpers/wait';

const long = (jobId: string) => ({ jobId, settings: { model: 'sd1-conversion', prompt: 'x', seed: 1, steps: 200, width: 256, height: 256 } });
const isBusy = (e: unknown) => e instanceof StudioError && e.code === 'busy';

// Load through the real server: a bounded queue, and jobs that end with the connection that started them.
describe('generations under load', () => {
  let backend: StudioBackend;
  let server: BrowserServer;

  before(async () => {
    requireBuild();
    backend = browserBackend({ maxQueuedJobs: 2 });
    server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir: temporary('gallery'), host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await backend.stop();
  });

  test('past the bound a generation is refused as busy, saying how many are queued; the studio keeps answering', async () => {
    const studio = await connectStudioSocket(server.port, server.token);
    const first = studio.client.call('generate', long('q1')).catch((e: unknown) => e);
    const second = studio.client.call('generate', long('q2')).catch((e: unknown) => e);
    await assert.rejects(studio.client.call('generate', long('q3')), (e: unknown) => isBusy(e) && /2 generations are running or queued/.test((e as Error).message));
    assert.equal((await studio.client.call('app.ping', { nonce: 'still here' })).nonce, 'still here');
    await studio.client.call('generate.cancel', { jobId: 'q1' });
    await studio.client.call('generate.cancel', { jobId: 'q2' });
    const outcomes = [await first, await second].map((e) => (e instanceof StudioError ? e.code : 'finished'));
    assert.deepEqual(outcomes, ['cancelled', 'cancelled']);
    studio.close();
  });

  test("a connection's generations are cancelled when it closes", async () => {
    const watcher = await connectStudioSocket(server.port, server.token);
    const leaving = await connectStudioSocket(server.port, server.token);
    let steps = 0;
    watcher.client.on('generation.progress', (p) => p.jobId === 'abandoned' && (steps = p.step));
    void leaving.client.call('generate', long('abandoned')).catch(() => undefined);
    void leaving.client.call('generate', long('abandoned-2')).catch(() => undefined);
    await waitFor('the abandoned job to start', () => (steps > 0 ? true : undefined));
    leaving.close();
    // Generations run one at a time: this one can start only when both abandoned ones have ended.
    const after = await waitFor('a generation to be accepted again', () =>
      watcher.client.call('generate', { jobId: 'after', settings: { ...long('after').settings, steps: 2, width: 64, height: 64 } }).then(
        (result) => result,
        (e: unknown) => (isBusy(e) ? undefined : Promise.reject(e)),
      ),
    );
    assert.equal(after.images.length, 1);
    assert.ok(steps < 200, `the abandoned job ran ${steps} of 200 steps`);
    watcher.close();
  });

  test('a generation that stops making progress kills and restarts the inference process, with a typed error', async () => {
    const watched = browserBackend({ hangTimeoutMs: 1500 });
    const watchedServer = await startBrowserServer({ backend: watched, rendererDir: builtPaths.rendererDir, galleryDir: temporary('gallery'), host: '127.0.0.1', port: 0 });
    const studio = await connectStudioSocket(watchedServer.port, watchedServer.token);
    try {
      let started = false;
      studio.client.on('generation.progress', (p) => p.jobId === 'stuck' && (started = true));
      const stuck = studio.client.call('generate', long('stuck')).catch((e: unknown) => e);
      await waitFor('the job to start', () => (started ? true : undefined));
      const hungPid = watched.supervisor.status().pid!;
      // Frozen as a deadlocked native call would be: alive, silent.
      process.kill(hungPid, 'SIGSTOP');
      const error = await stuck;
      assert.ok(error instanceof StudioError && error.code === 'inference-hung', String(error));
      assert.match((error as Error).message, /made no progress for 2 s; the inference process was stopped and is starting again/);
      await waitFor('a new inference process', () => (watched.supervisor.status().state === 'ready' && watched.supervisor.status().pid !== hungPid ? true : undefined));
      const next = await studio.client.call('generate', { jobId: 'next', settings: { ...long('next').settings, steps: 2, width: 64, height: 64 } });
      assert.equal(next.images.length, 1);
    } finally {
      studio.close();
      await watchedServer.close();
      await watched.stop();
    }
  });
});
