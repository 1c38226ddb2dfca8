import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { JobProgress } from '../../app/contract/inference';
import type { InferenceStatus } from '../../app/contract/studio';
import { StudioError } from '../../app/rpc/errors';
import { forkLauncher } from '../../main/core/inference-child';
import { InferenceSupervisor, type SupervisorOptions } from '../../main/core/inference-supervisor';
import { builtPaths, requireBuild } from '../helpers/paths';
import { waitFor } from '../helpers/wait';

/** A supervisor over the real, built inference process, recording what it reports. */
function supervise(overrides: Partial<SupervisorOptions> = {}) {
  const statuses: InferenceStatus[] = [];
  const progress: JobProgress[] = [];
  const supervisor = new InferenceSupervisor({
    launch: forkLauncher(builtPaths.inference),
    onStatus: (status) => statuses.push(status),
    onEvent: (name, payload) => name === 'job.progress' && progress.push(payload as JobProgress),
    restartDelayMs: () => 50,
    ...overrides,
  });
  supervisor.start();
  const reached = (state: InferenceStatus['state'], after = 0) =>
    waitFor(`inference state ${state}`, () => statuses.slice(after).find((s) => s.state === state));
  return { supervisor, statuses, progress, reached };
}

const isUnavailable = (e: unknown) => e instanceof StudioError && e.code === 'inference-unavailable';

describe('inference supervisor (real forked process)', () => {
  before(requireBuild);

  test('starts the process, routes calls to it and forwards its events', async (t) => {
    const { supervisor, progress, reached } = supervise();
    t.after(() => supervisor.stop());
    const ready = await reached('ready');
    assert.ok(ready.pid && ready.pid !== process.pid);

    const providers = await supervisor.call('engine.providers', { refresh: false });
    const cpu = providers.find((p) => p.name === 'cpu');
    assert.deepEqual(cpu, { name: 'cpu', bundled: true, usable: true });
    assert.ok(supervisor.engineVersion()?.match(/^\d+\.\d+\.\d+/));
    // The probe reports each provider as a step, and a last step equal to the total.
    const last = progress.at(-1)!;
    assert.equal(last.step, last.total);
    assert.equal(progress.filter((p) => p.jobId === last.jobId).length, providers.length + 1);
  });

  test('after kill -9 it fails the call in flight, reports the crash and restarts', async (t) => {
    const { supervisor, statuses, reached } = supervise();
    t.after(() => supervisor.stop());
    const first = await reached('ready');

    const inFlight = supervisor.call('engine.providers', { refresh: true });
    process.kill(first.pid!, 'SIGKILL');
    await assert.rejects(inFlight, isUnavailable);

    const crashed = await reached('crashed');
    assert.equal(crashed.lastCrash, 'killed by SIGKILL');
    assert.equal(crashed.restarts, 1);
    const again = await reached('ready', statuses.indexOf(crashed));
    assert.notEqual(again.pid, first.pid);
    assert.equal((await supervisor.call('engine.hello', {})).pid, again.pid);
  });

  test('a call made while the process restarts waits for it instead of failing', async (t) => {
    const { supervisor, reached } = supervise({ restartDelayMs: () => 300 });
    t.after(() => supervisor.stop());
    const first = await reached('ready');
    process.kill(first.pid!, 'SIGKILL');
    await reached('crashed');
    const hello = await supervisor.call('engine.hello', {});
    assert.notEqual(hello.pid, first.pid);
  });

  test('gives up after too many crashes in a row, and restart() tries again', async (t) => {
    const broken = forkLauncher({ ...builtPaths.inference, modelsDir: '' });
    let launches = 0;
    const { supervisor, reached } = supervise({
      launch: () => (launches++ < 3 ? broken() : forkLauncher(builtPaths.inference)()),
      maxCrashes: 2,
    });
    t.after(() => supervisor.stop());
    const failed = await reached('failed');
    assert.match(failed.lastCrash ?? '', /exit code 1/);
    await assert.rejects(supervisor.call('engine.hello', {}), isUnavailable);

    const status = await supervisor.restart();
    assert.equal(status.state, 'ready');
  });

  test('kills and replaces a process that never answers', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wordbrush-hung-'));
    const script = join(dir, 'hung.js');
    writeFileSync(script, "process.on('message', () => {}); setInterval(() => {}, 1000);\n");
    let launches = 0;
    const { supervisor, reached } = supervise({
      launch: () => forkLauncher(launches++ === 0 ? { ...builtPaths.inference, script } : builtPaths.inference)(),
      helloTimeoutMs: 500,
    });
    t.after(() => supervisor.stop());
    const crashed = await reached('crashed');
    assert.equal(crashed.lastCrash, 'killed by SIGKILL');
    await reached('ready');
  });

  test('gives a slow-starting process more time after each hang instead of a crash loop', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wordbrush-hung-'));
    const script = join(dir, 'hung.js');
    writeFileSync(script, "process.on('message', () => {}); setInterval(() => {}, 1000);\n");
    const stamped: { state: InferenceStatus['state']; at: number }[] = [];
    const { supervisor } = supervise({
      launch: forkLauncher({ ...builtPaths.inference, script }),
      onStatus: (status) => stamped.push({ state: status.state, at: performance.now() }),
      helloTimeoutMs: 100,
      maxCrashes: 2,
    });
    t.after(() => supervisor.stop());
    await waitFor('the supervisor to give up', () => stamped.find((s) => s.state === 'failed'));
    const waits = stamped.flatMap((s, i) => {
      if (s.state !== 'starting') return [];
      const end = stamped.slice(i).find((e) => e.state === 'crashed' || e.state === 'failed')!;
      return [end.at - s.at];
    });
    assert.equal(waits.length, 3);
    // A timer never fires before its delay (give or take a millisecond of rounding), so each wait is at least its doubled patience.
    waits.forEach((ms, attempt) => assert.ok(ms >= 100 * 2 ** attempt - 2, `attempt ${attempt} waited ${ms.toFixed(0)} ms`));
  });

  test('stop() ends the process without reporting a crash', async () => {
    const { supervisor, statuses, reached } = supervise();
    const ready = await reached('ready');
    await supervisor.stop();
    assert.equal(supervisor.status().state, 'stopped');
    assert.ok(!statuses.some((s) => s.state === 'crashed'));
    assert.throws(() => process.kill(ready.pid!, 0));
    await assert.rejects(supervisor.call('engine.hello', {}), isUnavailable);
  });
});

