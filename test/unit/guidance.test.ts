import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as ort from 'onnxruntime-node';
import type { LoadedModel, Part } from '../../main/engine/model/loaded-model';
import { ModelError } from '../../main/engine/model/model-error';
import { createSession } from '../../main/engine/onnx/execution';
import { readFloats } from '../../main/engine/onnx/tensors';
import { unetCaller, type UnetConditions } from '../../main/engine/pipeline/unet-runner';
import type { PromptEmbedding } from '../../main/engine/pipeline/text-conditioning';
import { meanContextUnet } from '../helpers/unet-graphs';

/**
 * Classifier-free guidance pinned by arithmetic: a real onnxruntime session
 * of a UNet-shaped graph whose output is `sample + mean(its row's context)`,
 * so each batch row's prediction is known exactly, and the guided output of
 * every conditional row must be `u + s·(c − u)` (Ho & Salimans 2022) with the
 * unconditional row's u. The rows travel as the engine batches them:
 * unconditional first, regional prompts after it, a fixed batch split into
 * passes with the last one padded.
 */
const [CHANNELS, H, W, POSITIONS, WIDTH] = [4, 2, 3, 5, 6];

/** A UNet part over a session made here; `runs` answers its calls (the session itself, or a watcher in front of it). */
const partOf = (session: ort.InferenceSession, provider: Part['provider'], runs: ort.InferenceSession = session): Part => ({ session: runs, provider, inputs: new Map(session.inputMetadata.map((m) => [m.name, m])), outputs: session.outputNames });

async function unetOf(batch: number | 'batch', fixed: Parameters<typeof meanContextUnet>[3] = {}): Promise<{ model: LoadedModel; part: Part }> {
  const { session, provider } = await createSession(meanContextUnet(CHANNELS, WIDTH, batch, fixed), ['cpu']);
  const part = partOf(session, provider);
  // unetCaller reads the UNet from `conditions.part`; of the model it needs only the names its errors use.
  return { model: { folder: { name: 'mean-context', latent: { factor: 8 } } } as unknown as LoadedModel, part };
}

/** A prompt embedding whose every value is `value`: its row's mean. */
const embedding = (value: number): PromptEmbedding => ({ hidden: new Float32Array(POSITIONS * WIDTH).fill(value), positions: POSITIONS, width: WIDTH, pooled: null });
const latent = Float32Array.from({ length: CHANNELS * H * W }, (_, i) => Math.sin(i) * 2);

async function guidedRows(batch: number | 'batch', conditions: Omit<UnetConditions, 'size' | 'part'>, fixed: Parameters<typeof meanContextUnet>[3] = {}, latentShape: readonly [number, number, number] = [CHANNELS, H, W]): Promise<Float32Array[]> {
  const { model, part } = await unetOf(batch, fixed);
  try {
    return await unetCaller(model, { ...conditions, part, size: { width: 64, height: 64 } }, latentShape)(latent, 500, 3.2);
  } finally {
    await part.session.release();
  }
}

function assertClose(actual: Float32Array, expected: (x: number) => number, label: string): void {
  assert.equal(actual.length, latent.length, label);
  actual.forEach((v, k) => assert.ok(Math.abs(v - expected(latent[k]!)) < 1e-5, `${label} [${k}]: ${v} vs ${expected(latent[k]!)}`));
}

describe('classifier-free guidance, against arithmetic', () => {
  test('one prompt: u + s·(c − u) with the negative prompt as u', async () => {
    const [u, c, s] = [-0.3, 0.45, 7.5];
    const [guided] = await guidedRows('batch', { conds: [embedding(c)], uncond: embedding(u), guidanceScale: s });
    assertClose(guided!, (x) => x + u + s * (c - u), 'guided');
  });

  test('regional prompts: each conditional row is guided against the one unconditional row', async () => {
    const [u, s] = [0.2, 4];
    const conds = [0.1, -0.6, 1.3];
    const rows = await guidedRows('batch', { conds: conds.map(embedding), uncond: embedding(u), guidanceScale: s });
    assert.equal(rows.length, 3);
    rows.forEach((row, r) => assertClose(row, (x) => x + u + s * (conds[r]! - u), `region ${r}`));
  });

  test('a UNet exported with a fixed batch of 2 runs in passes, the last padded, with the same answer', async () => {
    const [u, s] = [0.5, 6];
    const conds = [-0.2, 0.9];
    const rows = await guidedRows(2, { conds: conds.map(embedding), uncond: embedding(u), guidanceScale: s });
    rows.forEach((row, r) => assertClose(row, (x) => x + u + s * (conds[r]! - u), `region ${r}`));
  });

  test('without guidance (distilled models) each row is its own prediction', async () => {
    const conds = [0.7, -0.4];
    const rows = await guidedRows('batch', { conds: conds.map(embedding), uncond: null, guidanceScale: 7 });
    rows.forEach((row, r) => assertClose(row, (x) => x + conds[r]!, `row ${r}`));
  });

  test('a scale of 1 is the conditional prediction, 0 the unconditional one', async () => {
    const [u, c] = [0.25, -0.75];
    for (const [s, expected] of [[1, c], [0, u]] as const) {
      const [guided] = await guidedRows('batch', { conds: [embedding(c)], uncond: embedding(u), guidanceScale: s });
      assertClose(guided!, (x) => x + expected, `scale ${s}`);
    }
  });

  test("the timestep goes in the shape the export declares: one per row, one for all ([1]) or a scalar ([])", async () => {
    const [u, c, s] = [0.1, 0.3, 2];
    for (const timestep of [[1], []]) {
      const [guided] = await guidedRows('batch', { conds: [embedding(c)], uncond: embedding(u), guidanceScale: s }, { timestep });
      assertClose(guided!, (x) => x + u + s * (c - u), `timestep [${timestep.join()}]`);
    }
  });
});

describe("a UNet that cannot take the run is refused in the run's terms", () => {
  const refused = (message: string) => (e: unknown) => e instanceof ModelError && e.message === message;
  const guided = { conds: [embedding(0.5)], uncond: embedding(0), guidanceScale: 3 };

  test('a fixed latent size is named in latents and pixels (width first) with the shape the run needs', async () => {
    await assert.rejects(
      guidedRows(2, guided, { latent: [2, 3] }, [CHANNELS, 4, 5]),
      (e: unknown) => e instanceof ModelError && e.code === 'size-not-supported' && e.message === "mean-context's UNet was exported with a fixed sample shape [2, 4, 2, 3] (24x16 pixels); the request needs [2, 4, 4, 5]",
    );
    // Only the batch fixed: the pixels cannot be said; a free batch is the rows' count.
    await assert.rejects(guidedRows(2, guided, {}, [8, H, W]), refused("mean-context's UNet was exported with a fixed sample shape [2, 4, ?, ?]; the request needs [2, 8, 2, 3]"));
    await assert.rejects(guidedRows('batch', guided, {}, [8, H, W]), refused("mean-context's UNet was exported with a fixed sample shape [?, 4, ?, ?]; the request needs [2, 8, 2, 3]"));
    const [row] = await guidedRows(2, guided, { latent: [H, W] });
    assertClose(row!, (x) => x + 0 + 3 * 0.5, 'the size it was exported for');
  });

  test("text embeddings of another width than the UNet's context", async () => {
    const narrow: PromptEmbedding = { hidden: new Float32Array(POSITIONS * 5), positions: POSITIONS, width: 5, pooled: null };
    await assert.rejects(guidedRows('batch', { conds: [narrow], uncond: null, guidanceScale: 1 }), (e: unknown) => e instanceof ModelError && e.code === 'unsupported-io' && e.message === 'The UNet expects 6-wide text embeddings but the text encoder gives 5');
  });

  test("SDXL's added conditions: each row's pooled embedding and time_ids, by the export's width or else the family's", async () => {
    const withPooled = (value: number): PromptEmbedding => ({ ...embedding(value), pooled: Float32Array.of(value, -value) });
    const feedsOf = async (timeIds: number | 'ids', aestheticTimeIds: boolean, guided = true) => {
      const { session, provider } = await createSession(meanContextUnet(CHANNELS, WIDTH, 'batch', { timeIds }), ['cpu']);
      const seen: Record<string, ort.Tensor>[] = [];
      const watched = { run: (feeds: Record<string, ort.Tensor>) => (seen.push(feeds), session.run(feeds)) } as unknown as ort.InferenceSession;
      const part = partOf(session, provider, watched);
      const model = { folder: { name: 'added-conditions', latent: { factor: 8 } }, family: { aestheticTimeIds } } as unknown as LoadedModel;
      await unetCaller(model, { conds: [withPooled(0.5)], uncond: guided ? withPooled(-1) : null, guidanceScale: 2, part, size: { width: 96, height: 64 } }, [CHANNELS, H, W])(latent, 500, 3.2);
      await session.release();
      return { textEmbeds: [...readFloats(seen[0]!.text_embeds!)], timeIds: [...readFloats(seen[0]!.time_ids!)] };
    };
    const base = await feedsOf(6, true);
    assert.deepEqual(base.textEmbeds, [-1, 1, 0.5, -0.5], 'the unconditional row first');
    assert.deepEqual(base.timeIds, [64, 96, 0, 0, 64, 96, 64, 96, 0, 0, 64, 96], 'six declared: the target size, whatever the family says');
    assert.deepEqual((await feedsOf(5, false)).timeIds, [64, 96, 0, 0, 2.5, 64, 96, 0, 0, 6], "five declared: the aesthetic score, diffusers' defaults");
    assert.deepEqual((await feedsOf(5, false, false)).timeIds, [64, 96, 0, 0, 6], 'without guidance the one row is the prompt');
    assert.deepEqual((await feedsOf('ids', true)).timeIds, [64, 96, 0, 0, 2.5, 64, 96, 0, 0, 6], 'a free width: the family decides');
    assert.deepEqual((await feedsOf('ids', false)).timeIds, [64, 96, 0, 0, 64, 96, 64, 96, 0, 0, 64, 96]);
  });

  test('a UNet that takes text_embeds with no pooled embedding to give it', async () => {
    const { session, provider } = await createSession(meanContextUnet(CHANNELS, WIDTH, 'batch', { timeIds: 6 }), ['cpu']);
    const part = partOf(session, provider);
    const model = { folder: { name: 'added-conditions', latent: { factor: 8 } }, family: {} } as unknown as LoadedModel;
    const call = unetCaller(model, { conds: [embedding(1)], uncond: null, guidanceScale: 1, part, size: { width: 64, height: 64 } }, [CHANNELS, H, W]);
    await assert.rejects(call(latent, 500, 3.2), (e: unknown) => e instanceof ModelError && e.code === 'unsupported-io' && e.message === 'The UNet takes text_embeds but no text encoder gave a pooled embedding');
    await session.release();
  });
});
