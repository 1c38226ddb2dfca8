import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { detectFamily } from '../../main/engine/model/family';
import type { ModelFolder } from '../../main/engine/model/model-folder';
import { providerOrder } from '../../main/engine/onnx/execution';
import { fromHalf, toHalf } from '../../main/engine/onnx/tensors';
import { loadTokenizer } from '../../main/engine/text/load-tokenizer';
import { repoRoot } from '../helpers/paths';

const folder = (overrides: Partial<ModelFolder> & { schedulerClass?: string; prediction?: 'epsilon' | 'v_prediction' } = {}): ModelFolder => ({
  dir: '/models/x',
  name: 'x',
  pipelineClass: 'OnnxStableDiffusionPipeline',
  parts: { text_encoder: 'a', unet: 'b', vae_decoder: 'c' },
  textEncoders: ['text_encoder'],
  tokenizers: ['t'],
  vaeScalingFactor: null,
  sampleSize: null,
  latent: { factor: 8, channels: 4 },
  forceZerosForEmptyPrompt: null,
  requiresAestheticsScore: false,
  ...overrides,
  scheduler: {
    className: overrides.schedulerClass ?? 'PNDMScheduler',
    noise: { numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear' },
    prediction: overrides.prediction ?? 'epsilon',
    spacing: 'leading',
    stepsOffset: 1,
    setAlphaToOne: false,
  },
});

describe('family detection', () => {
  const cases: [string, Parameters<typeof detectFamily>[0], string][] = [
    ['an SD 1.x export', { folder: folder(), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: false }, 'sd1'],
    ['v-prediction', { folder: folder({ prediction: 'v_prediction' }), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: false }, 'sd2'],
    ['an OpenCLIP tokenizer padding with "!"', { folder: folder(), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: true }, 'sd2'],
    ['a second text encoder', { folder: folder({ parts: { text_encoder: 'a', text_encoder_2: 'd', unet: 'b', vae_decoder: 'c' } }), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: false }, 'sdxl'],
    ['a UNet with text_embeds', { folder: folder(), unetHasAddedConditions: true, timeIdsWidth: 6, padsWithExclamation: false }, 'sdxl'],
    ['requires_aesthetics_score in model_index.json', { folder: folder({ requiresAestheticsScore: true, textEncoders: ['text_encoder_2'] }), unetHasAddedConditions: true, timeIdsWidth: null, padsWithExclamation: true }, 'sdxl-refiner'],
    ['five time_ids (original size, crop, aesthetic score)', { folder: folder(), unetHasAddedConditions: true, timeIdsWidth: 5, padsWithExclamation: false }, 'sdxl-refiner'],
    ['sd-turbo by name', { folder: folder({ name: 'sd-turbo-onnx' }), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: true }, 'sd-turbo'],
    ['sdxl-turbo by name', { folder: folder({ name: 'sdxl-turbo' }), unetHasAddedConditions: true, timeIdsWidth: 6, padsWithExclamation: false }, 'sdxl-turbo'],
    ['an LCM scheduler', { folder: folder({ schedulerClass: 'LCMScheduler' }), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: false }, 'lcm'],
    ['an LCM by name', { folder: folder({ name: 'lcm-dreamshaper-v7' }), unetHasAddedConditions: false, timeIdsWidth: null, padsWithExclamation: false }, 'lcm'],
  ];
  for (const [name, evidence, family] of cases) test(`${name} → ${family}`, () => assert.equal(detectFamily(evidence), family));
});

describe('execution provider order', () => {
  const report = (name: 'cpu' | 'webgpu' | 'cuda', usable: boolean) => ({ name, bundled: name !== 'cuda', usable });
  test('skips providers the probe found unusable, CPU last', () => {
    assert.deepEqual(providerOrder('linux', [report('cpu', true), report('webgpu', false), report('cuda', true)]), ['cuda', 'cpu']);
    assert.deepEqual(providerOrder('linux', [report('cpu', true), report('webgpu', true), report('cuda', false)]), ['webgpu', 'cpu']);
  });
  test("honours the user's choice alone, without silent fallback", () => assert.deepEqual(providerOrder('linux', [report('cpu', true)], 'webgpu'), ['webgpu']));
  test('prefers DirectML on Windows and CoreML on macOS', () => {
    assert.deepEqual(providerOrder('win32', [report('cpu', true)].concat([{ name: 'dml' as never, bundled: true, usable: true }])), ['dml', 'cpu']);
    assert.deepEqual(providerOrder('darwin', [report('cpu', true)].concat([{ name: 'coreml' as never, bundled: true, usable: true }])), ['coreml', 'cpu']);
  });
});

describe('fp16 conversion', () => {
  // Bit patterns from IEEE 754 binary16.
  const cases: [number, number][] = [
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], // a tie rounds to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ];
  for (const [value, bits] of cases) test(`${value} ↔ 0x${bits.toString(16)}`, () => assert.equal(toHalf(value), bits));
  test('round trips within half precision', () => {
    for (const v of [0.5, -3.25, 1234.5, 0.0001]) assert.ok(Math.abs(fromHalf(toHalf(v)) - v) <= Math.abs(v) * 2 ** -10);
  });
});

describe('tokenizer files', () => {
  test('a tokenizer.json alone gives the same ids as vocab.json + merges.txt', async () => {
    const source = join(repoRoot, 'test', 'fixtures', 'clip-tokenizer');
    const merges = readFileSync(join(source, 'merges.txt'), 'utf8').split('\n').slice(1).filter((l) => l !== '');
    const dir = mkdtempSync(join(tmpdir(), 'wordbrush-tokenizer-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: JSON.parse(readFileSync(join(source, 'vocab.json'), 'utf8')), merges } }));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '!', model_max_length: 77 }));
    const fromJson = await loadTokenizer(dir);
    const fromFiles = await loadTokenizer(source);
    const text = 'an astronaut riding a horse on mars, highly detailed, 4k';
    assert.deepEqual(fromJson.tokenizer.encode(text), fromFiles.tokenizer.encode(text));
    assert.equal(fromJson.padId, 0);
  });
});
