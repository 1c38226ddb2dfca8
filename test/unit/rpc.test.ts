import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineCall, defineContract } from '../../app/contract/define';
import { studioContract } from '../../app/contract/studio';
import { createClient, type ClientPort } from '../../app/rpc/client';
import { StudioError } from '../../app/rpc/errors';
import { createEmitter, createRouter } from '../../app/rpc/router';

const contract = defineContract({
  calls: {
    add: defineCall({ summary: 'a + b', input: z.object({ a: z.number(), b: z.number() }).strict(), output: z.number() }),
    greet: defineCall({ summary: 'hello', input: z.object({ name: z.string().default('you') }), output: z.string() }),
    fail: defineCall({ summary: 'throws', input: z.object({ typed: z.boolean() }), output: z.null() }),
    lie: defineCall({ summary: 'answers outside its schema', input: z.object({}), output: z.number() }),
  },
  events: { tick: z.object({ n: z.number().int() }) },
});

const router = createRouter(contract.calls, {
  add: ({ a, b }) => a + b,
  greet: async ({ name }) => `hello ${name}`,
  fail: ({ typed }) => {
    throw typed ? new StudioError('inference-unavailable', 'down') : new Error('boom');
  },
  lie: () => 'not a number' as unknown as number,
});

/** A client wired to the router through an in-memory port that, like a real transport, passes only JSON. */
function connectedClient() {
  const listeners: ((message: unknown) => void)[] = [];
  const deliver = (message: unknown) => listeners.forEach((l) => l(JSON.parse(JSON.stringify(message))));
  const port: ClientPort = {
    send: (message) => void router.handle(JSON.parse(JSON.stringify(message)), undefined).then(deliver),
    onMessage: (listener) => void listeners.push(listener),
  };
  return { client: createClient(contract, port), deliver };
}

describe('router', () => {
  const cases: { name: string; raw: unknown; code: string; id: number | null }[] = [
    { name: 'a string', raw: 'hello', code: 'invalid-message', id: null },
    { name: 'null', raw: null, code: 'invalid-message', id: null },
    { name: 'an array', raw: [1, 2], code: 'invalid-message', id: null },
    { name: 'no method', raw: { kind: 'call', id: 4, input: {} }, code: 'invalid-message', id: 4 },
    { name: 'a negative id', raw: { kind: 'call', id: -1, method: 'add', input: {} }, code: 'invalid-message', id: null },
    { name: 'a result instead of a call', raw: { kind: 'result', id: 1, ok: true, output: 1 }, code: 'invalid-message', id: 1 },
    { name: 'an unknown method', raw: { kind: 'call', id: 5, method: 'rm -rf', input: {} }, code: 'unknown-method', id: 5 },
    { name: 'an inherited property as method', raw: { kind: 'call', id: 6, method: 'toString', input: {} }, code: 'unknown-method', id: 6 },
    { name: 'input of the wrong type', raw: { kind: 'call', id: 7, method: 'add', input: { a: '1', b: 2 } }, code: 'invalid-input', id: 7 },
    { name: 'input with extra keys', raw: { kind: 'call', id: 8, method: 'add', input: { a: 1, b: 2, c: 3 } }, code: 'invalid-input', id: 8 },
    { name: 'a handler that throws an Error', raw: { kind: 'call', id: 9, method: 'fail', input: { typed: false } }, code: 'handler-failed', id: 9 },
    { name: 'a handler that throws a StudioError', raw: { kind: 'call', id: 10, method: 'fail', input: { typed: true } }, code: 'inference-unavailable', id: 10 },
    { name: 'a handler answering outside its schema', raw: { kind: 'call', id: 11, method: 'lie', input: {} }, code: 'invalid-output', id: 11 },
  ];
  for (const { name, raw, code, id } of cases) {
    test(`answers ${name} with a typed ${code} error`, async () => {
      const reply = await router.handle(raw, undefined);
      assert.equal(reply.ok, false);
      assert.equal(reply.id, id);
      if (!reply.ok) assert.equal(reply.error.code, code);
    });
  }

  test('names the offending field of an invalid input', async () => {
    const reply = await router.handle({ kind: 'call', id: 1, method: 'add', input: { a: 1 } }, undefined);
    assert.ok(!reply.ok);
    assert.deepEqual(reply.error.issues?.map((i) => i.path), ['b']);
  });

  test('passes parsed input with defaults to the handler', async () => {
    const reply = await router.handle({ kind: 'call', id: 2, method: 'greet', input: {} }, undefined);
    assert.deepEqual(reply, { kind: 'result', id: 2, ok: true, output: 'hello you' });
  });
});

describe('client', () => {
  test('resolves typed outputs and rejects with the error code', async () => {
    const { client } = connectedClient();
    assert.equal(await client.call('add', { a: 2, b: 3 }), 5);
    await assert.rejects(client.call('fail', { typed: true }), (e: unknown) => e instanceof StudioError && e.code === 'inference-unavailable');
    await assert.rejects(client.call('add', { a: 1 } as never), (e: unknown) => e instanceof StudioError && e.code === 'invalid-input');
  });

  test('matches concurrent answers to their calls', async () => {
    const { client } = connectedClient();
    const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('add', { a: i, b: i })));
    assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => 2 * i));
  });

  test('delivers events that fit their schema and drops the rest', () => {
    const { client, deliver } = connectedClient();
    const seen: number[] = [];
    const off = client.on('tick', ({ n }) => seen.push(n));
    deliver({ kind: 'event', name: 'tick', payload: { n: 1 } });
    deliver({ kind: 'event', name: 'tick', payload: { n: 'two' } });
    deliver({ kind: 'event', name: 'nope', payload: {} });
    deliver('garbage');
    off();
    deliver({ kind: 'event', name: 'tick', payload: { n: 3 } });
    assert.deepEqual(seen, [1]);
  });

  test('failPending rejects the calls in flight', async () => {
    const port: ClientPort = { send: () => undefined, onMessage: () => undefined };
    const client = createClient(contract, port);
    const waiting = client.call('add', { a: 1, b: 1 });
    client.failPending(new StudioError('disconnected', 'gone'));
    await assert.rejects(waiting, (e: unknown) => e instanceof StudioError && e.code === 'disconnected');
  });

  test('a port that throws on send rejects the call instead of throwing', async () => {
    const port: ClientPort = {
      send: () => {
        throw new Error('socket closed');
      },
      onMessage: () => undefined,
    };
    await assert.rejects(createClient(contract, port).call('add', { a: 1, b: 1 }), (e: unknown) => e instanceof StudioError && e.code === 'disconnected');
  });
});

describe('emitter', () => {
  test('refuses a payload outside its event schema at the source', () => {
    const sent: unknown[] = [];
    const emit = createEmitter(contract.events, (message) => sent.push(message));
    emit('tick', { n: 1 });
    assert.throws(() => emit('tick', { n: 1.5 }));
    assert.deepEqual(sent, [{ kind: 'event', name: 'tick', payload: { n: 1 } }]);
  });
});

describe('studio contract', () => {
  test('declares the foundation calls and events, each with a summary', () => {
    const galleryAndProjects = ['gallery.list', 'gallery.get', 'gallery.document', 'gallery.delete', 'gallery.restore', 'gallery.emptyTrash', 'gallery.star', 'gallery.openFolder', 'projects.list', 'projects.open', 'projects.save', 'projects.autosave', 'projects.recovery', 'projects.restore', 'projects.discardAutosave', 'settings.get', 'settings.set'];
    const modelCalls = [...galleryAndProjects, 'models.list', 'models.import', 'models.download', 'models.downloads', 'models.download.pause', 'models.download.resume', 'models.download.cancel', 'models.verify', 'models.remove', 'models.rename', 'models.setFamily', 'models.setDefault', 'models.openFolder', 'models.catalog', 'hub.token', 'hub.token.set'];
    for (const name of ['app.info', 'app.ping', 'inference.status', 'inference.restart', 'inference.providers', 'generate', 'generate.cancel', ...modelCalls]) {
      assert.ok(Object.hasOwn(studioContract.calls, name), name);
    }
    for (const [name, spec] of Object.entries(studioContract.calls)) assert.ok(spec.summary.length > 10, name);
    assert.deepEqual(Object.keys(studioContract.events).sort(), ['gallery.changed', 'generation.progress', 'inference.status', 'job.progress', 'models.changed', 'models.download']);
  });

  test('bounds what the untrusted renderer may send', () => {
    assert.equal(studioContract.calls['app.ping'].input.safeParse({ nonce: 'x'.repeat(65) }).success, false);
    assert.equal(studioContract.calls['app.info'].input.safeParse({ extra: 1 }).success, false);
    // Models are named by id, never by a path the renderer picks.
    for (const model of ['/etc/passwd', '../models/x', 'a/b', '.hidden', '']) {
      assert.equal(studioContract.calls.generate.input.safeParse({ jobId: 'j', settings: { model, prompt: 'x', seed: 1 } }).success, false, model);
      assert.equal(studioContract.calls['models.remove'].input.safeParse({ id: model }).success, false, model);
    }
    assert.equal(studioContract.calls['models.download'].input.safeParse({ repo: '../../etc' }).success, false);
    assert.equal(studioContract.calls['models.download'].input.safeParse({ repo: 'owner/name', subfolder: '../up' }).success, false);
  });
});
