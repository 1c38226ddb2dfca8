import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadedModel, Part } from '../../main/engine/model/loaded-model';
import { createSession } from '../../main/engine/onnx/execution';
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

async function unetOf(batch: number | 'batch'): Promise<{ model: LoadedModel; part: Part }> {
  const { session, provider } = await createSession(meanContextUnet(CHANNELS, WIDTH, batch), ['cpu']);
  const part: Part = { session, provider, inputs: new Map(session.inputMetadata.map((m) => [m.name, m])), outputs: session.outputNames };
  // unetCaller reads the UNet from `conditions.part`; of the model it needs only the names its errors use.
  return { model: { folder: { name: 'mean-context', latent: { factor: 8 } } } as unknown as LoadedModel, part };
}

/** A prompt embedding whose every value is `value`: its row's mean. */
const embedding = (value: number): PromptEmbedding => ({ hidden: new Float32Array(POSITIONS * WIDTH).fill(value), positions: POSITIONS, width: WIDTH, pooled: null });
const latent = Float32Array.from({ length: CHANNELS * H * W }, (_, i) => Math.sin(i) * 2);

async function guidedRows(batch: number | 'batch', conditions: Omit<UnetConditions, 'size' | 'part'>): Promise<Float32Array[]> {
  const { model, part } = await unetOf(batch);
  try {
    return await unetCaller(model, { ...conditions, part, size: { width: 64, height: 64 } }, [CHANNELS, H, W])(latent, 500, 3.2);
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
});
