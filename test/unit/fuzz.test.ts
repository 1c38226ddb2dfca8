import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { studioContract } from '../../app/contract/studio';
import { ErrorCode, ResultMessage } from '../../app/contract/wire';
import { fixtureModels } from '../helpers/backend';
import { requireBuild } from '../helpers/paths';
import { startServe, type ServeProcess } from '../helpers/serve-process';
import { connectStudioSocket } from '../helpers/socket-client';
import { rssOf } from '../helpers/process';

const MESSAGES = 10_000;
/** Valid calls with side effects a fuzzer should not set off by chance (restarting the inference process, fetching from the hub). */
const LEFT_OUT = new Set(['inference.restart', 'models.download']);


/** Deeply nested arrays and objects, past what any schema allows. */
const deep = fc.integer({ min: 50, max: 400 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { nested: value };
  return value;
});

/** Inputs shaped like the contract's, but wrong: mistyped fields, extra fields, huge strings, deep nesting, or any JSON at all. */
const input = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom('jobId', 'settings', 'model', 'prompt', 'seed', 'id', 'path', 'repo', 'token', 'nonce', 'refresh', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 3 })) },
  { weight: 6, arbitrary: fc.record({ jobId: fc.string(), settings: fc.record({ model: fc.oneof(fc.string(), fc.integer()), prompt: fc.string({ maxLength: 30_000 }), seed: fc.oneof(fc.double(), fc.string()), width: fc.integer() }, { requiredKeys: [] }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.string({ minLength: 50_000, maxLength: 100_000 }).map((huge) => ({ nonce: huge, prompt: huge })) },
  { weight: 1, arbitrary: deep },
  // Deep nesting in any one field of an otherwise plausible input.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('settings', 'document', 'panel', 'assets', 'conditioning', 'name', 'nonce', 'input'), deep).map(([field, value]) => ({ [field]: value, name: 'fuzzed' })) },
);

const methods = [...Object.keys(studioContract.calls).filter((m) => !LEFT_OUT.has(m)), 'no.such.method', '__proto__', 'constructor', 'toString'];
const call = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call'), id: fc.nat(), method: fc.oneof(fc.constantFrom(...methods), fc.string()), input }) },
  // Envelopes that are wrong themselves: other kinds, ids that are not counters, missing fields.
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('event', 'result', 'CALL', ''), id: fc.oneof(fc.constant(-1), fc.string(), fc.double()), method: fc.string(), input }, { requiredKeys: [] }) },
);
/** A frame on the wire: a message, or text that is not one. */
/**
 * Nesting past what a recursive JSON.stringify or structured clone survives (up to 20,000 deep), in any one
 * field of a call to any method: written as text, since the test's own JSON.stringify could not make it.
 */
const deepText = fc
  .record({ id: fc.nat(), method: fc.constantFrom(...methods), field: fc.constantFrom('settings', 'document', 'panel', 'assets', 'conditioning', 'name', 'nonce', 'prompt'), depth: fc.integer({ min: 2000, max: 20_000 }), open: fc.constantFrom('[', '{"a":') })
  .map(({ id, method, field, depth, open }) => `{"kind":"call","id":${id},"method":${JSON.stringify(method)},"input":{"name":"fuzzed","${field}":${open.repeat(depth)}0${(open === '[' ? ']' : '}').repeat(depth)}}}`);
/** JSON text may say 1e999, which parses to Infinity: numbers no schema expects. */
const nonFinite = call.map((m) => JSON.stringify(m).replace(/(?<=:)(-?\d+(\.\d+)?)(?=[,}\]])/g, (n) => (Number(n) % 2 ? '-1e999' : '1e999')));
const frame = fc.oneof(
  { weight: 8, arbitrary: call.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: deep.map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: nonFinite },
  { weight: 1, arbitrary: deepText },
);

// 10,000 generated and mutated messages through `npm run serve`'s own process, as an outside probe would send them.
describe('fuzzing the browser-mode server', () => {
  let serve: ServeProcess;
  let port: number;
  let token: string;

  before(async () => {
    requireBuild();
    serve = await startServe(['--models', fixtureModels]);
    const url = new URL(serve.url);
    [port, token] = [Number(url.port), url.searchParams.get('token')!];
  });
  after(() => serve.stop());

  test(`answers ${MESSAGES} hostile messages each with a typed result, and stays up with bounded memory`, { timeout: 600_000 }, async (t) => {
    const watcher = await connectStudioSocket(port, token);
    const inferencePid = (await watcher.client.call('app.info', {})).inference.pid!;
    const mainPid = serve.child.pid!;
    const before = { main: rssOf(mainPid), inference: rssOf(inferencePid) };

    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const replies: unknown[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { kind: string };
      if (message.kind === 'result') replies.push(message);
    });
    const frames = fc.sample(frame, { numRuns: MESSAGES, seed: 20261125 });
    // In batches, so the server's answers keep up and the socket's buffers stay small.
    let halfway = 0;
    for (let i = 0; i < frames.length; i += 100) {
      for (const f of frames.slice(i, i + 100)) ws.send(f);
      const expected = Math.min(frames.length, i + 100);
      while (replies.length < expected) await new Promise((r) => setTimeout(r, 5));
      if (expected === frames.length / 2) halfway = rssOf(mainPid);
    }
    ws.close();

    assert.equal(replies.length, MESSAGES);
    const codes = new Map<string, number>();
    for (const reply of replies) {
      const parsed = ResultMessage.safeParse(reply);
      assert.ok(parsed.success, `not a result message: ${JSON.stringify(reply).slice(0, 200)}`);
      const key = parsed.data.ok ? 'ok' : parsed.data.error.code;
      assert.ok(key === 'ok' || ErrorCode.options.includes(key as ErrorCode), key);
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    assert.ok((codes.get('invalid-input') ?? 0) > 1000 && (codes.get('invalid-message') ?? 0) > 500 && (codes.get('unknown-method') ?? 0) > 500, JSON.stringify([...codes]));
    assert.equal(codes.get('handler-failed') ?? 0, 0, 'no handler threw an untyped error');

    // Still up: the same inference process answers, and memory came back within bounds.
    assert.equal((await watcher.client.call('app.ping', { nonce: 'after' })).nonce, 'after');
    const status = await watcher.client.call('inference.status', {});
    assert.deepEqual([status.state, status.pid, status.restarts], ['ready', inferencePid, 0], 'the inference process never crashed');
    const end = rssOf(mainPid);
    const grown = { main: end - before.main, secondHalf: end - halfway, inference: rssOf(inferencePid) - before.inference };
    t.diagnostic(`replies by code ${JSON.stringify(Object.fromEntries(codes))}; RSS growth main ${(grown.main / 2 ** 20).toFixed(1)} MB (second half ${(grown.secondHalf / 2 ** 20).toFixed(1)} MB), inference ${(grown.inference / 2 ** 20).toFixed(1)} MB`);
    // A leak grows with the messages; the heap's first growth (JIT, the allocator's pools, garbage not yet collected) does not.
    assert.ok(grown.secondHalf < 60 * 2 ** 20 && grown.main < 250 * 2 ** 20 && grown.inference < 50 * 2 ** 20, `memory grew by ${JSON.stringify(grown)}`);
    watcher.close();
  });
});
