import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from 'fast-png';
import { onnx } from '../../main/engine/onnx/generated/onnx';
import type { ConditioningDocument } from '../../app/contract/conditioning';
import type { GenerationRequest, RunReport } from '../../app/contract/generation';
import { SceneGraphConflictError } from '../../main/engine/conditioning/plan';
import { Engine } from '../../main/engine/engine';
import { encodePng, readPngText } from '../../main/images/png';
import { fixtureModels } from '../helpers/backend';
import { writeTestPng } from '../helpers/images';
import { promptWithGraph } from '../../app/domain/scene-layout';
import { bindingIssues } from '../../app/document/bindings';
import { emptyDocument } from '../../app/document/document';
import { everyKind } from '../helpers/documents';

const work = mkdtempSync(join(tmpdir(), 'wordbrush-spatial-'));
const engine = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: join(work, 'cache') });
const left = { kind: 'rect' as const, rect: { x: 0, y: 0, width: 0.5, height: 1 } };
const right = { kind: 'rect' as const, rect: { x: 0.5, y: 0, width: 0.5, height: 1 } };
const request = (model: string, conditioning?: ConditioningDocument, overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: join(fixtureModels, model),
  prompt: 'a red star and a blue ring',
  seed: 21,
  steps: 3,
  width: 64,
  height: 64,
  outputDir: join(work, 'out'),
  ...(conditioning ? { conditioning } : {}),
  ...overrides,
});
const pixels = (path: string) => decode(readFileSync(path)).data as Uint8Array;
const largestDifference = (a: Uint8Array, b: Uint8Array) => a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);

const MODES: [string, ConditioningDocument, string][] = [
  ['paint-with-words', { version: 1, regions: [{ id: 'star', phrase: 'red star', mask: left }], paintWithWordsStrength: 1 }, 'attention'],
  ['regional prompt, attention masks', { version: 1, regionalMode: 'attention-masks', regions: [{ id: 'cross', prompt: 'a green cross', mask: right }] }, 'attention'],
  ['regional prompt, latent composition', { version: 1, regionalMode: 'latent-composition', regions: [{ id: 'cross', prompt: 'a green cross', mask: right }] }, 'latent-composition'],
  ['layout boxes', { version: 1, boxes: [{ id: 'ring', label: 'blue ring', rect: { x: 0.55, y: 0.55, width: 0.4, height: 0.4 } }, { id: 'tree', label: 'a tall tree', rect: { x: 0.05, y: 0.1, width: 0.3, height: 0.8 } }] }, 'attention'],
  [
    'scene graph',
    { version: 1, sceneGraph: { objects: [{ id: 'star', name: 'star', attributes: ['red'] }, { id: 'ring', name: 'ring', attributes: ['blue'] }], relations: [{ subject: 'star', predicate: 'left of', object: 'ring' }] } },
    'attention',
  ],
];

describe('spatial conditioning on every fixture', () => {
  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-sdpa', 'sd2-v', 'sdxl', 'sd1-static', 'f4c8']) {
    test(`${model}: every mode runs, changes the image, and repeats for the seed`, async () => {
      const plain = pixels((await engine.run(request(model))).images[0]!.path);
      for (const [name, doc, method] of MODES) {
        const first = await engine.run(request(model, doc));
        const again = await engine.run(request(model, doc));
        // sd1-static's fixed 77-token context cannot hold region prompts side by side.
        const expected = model === 'sd1-static' && doc.regions?.some((r) => r.prompt) ? 'latent-composition' : method;
        assert.equal(first.spatialControl, expected, name);
        const image = pixels(first.images[0]!.path);
        assert.deepEqual(image, pixels(again.images[0]!.path), `${name} is not deterministic`);
        assert.ok(largestDifference(image, plain) > 0, `${name} did not change the image`);
      }
    });
  }
});

describe('what each mode does', () => {
  test('paint-with-words at strength 0 is the plain image (the patched UNet with zero bias)', async () => {
    const plain = pixels((await engine.run(request('sd1-optimum'))).images[0]!.path);
    const zero = pixels((await engine.run(request('sd1-optimum', { version: 1, regions: [{ id: 's', phrase: 'red star', mask: left }], paintWithWordsStrength: 0 }))).images[0]!.path);
    assert.ok(largestDifference(plain, zero) <= 1, `max pixel difference ${largestDifference(plain, zero)}`);
  });

  test('latent composition of the prompt with itself over the whole image is the plain image', async () => {
    const everywhere = { kind: 'rect' as const, rect: { x: 0, y: 0, width: 1, height: 1 } };
    const plain = pixels((await engine.run(request('sd1-optimum'))).images[0]!.path);
    const same = pixels((await engine.run(request('sd1-optimum', { version: 1, regionalMode: 'latent-composition', regions: [{ id: 'all', prompt: 'a red star and a blue ring', mask: everywhere }] }))).images[0]!.path);
    assert.ok(largestDifference(plain, same) <= 1, `max pixel difference ${largestDifference(plain, same)}`);
  });

  test('painted masks work from a PNG file and from a data: URL, alike', async () => {
    const half = (x: number) => (x < 32 ? [255, 255, 255] : [0, 0, 0]) as [number, number, number];
    const file = writeTestPng(join(work, 'mask.png'), 64, 64, (x) => half(x));
    const rgb = new Uint8Array(64 * 64 * 3).map((_, i) => half(Math.floor(i / 3) % 64)[0]);
    const url = `data:image/png;base64,${encodePng(64, 64, rgb).toString('base64')}`;
    const fromFile = await engine.run(request('sd1-optimum', { version: 1, regions: [{ id: 's', phrase: 'red star', mask: { kind: 'image', png: file } }] }));
    const fromUrl = await engine.run(request('sd1-optimum', { version: 1, regions: [{ id: 's', phrase: 'red star', mask: { kind: 'image', png: url } }] }));
    const fromRect = await engine.run(request('sd1-optimum', { version: 1, regions: [{ id: 's', phrase: 'red star', mask: left }] }));
    assert.deepEqual(pixels(fromFile.images[0]!.path), pixels(fromUrl.images[0]!.path));
    assert.deepEqual(pixels(fromFile.images[0]!.path), pixels(fromRect.images[0]!.path));
  });

  test('problems that leave a region without effect are reported, not crashed on', async () => {
    const result = await engine.run(
      request('sd1-optimum', {
        version: 1,
        regions: [
          { id: 'absent', phrase: 'purple cube', mask: left },
          { id: 'twice', phrase: 'a', mask: right },
          { id: 'overlap', phrase: 'blue ring', mask: { kind: 'rect', rect: { x: 0.25, y: 0, width: 0.5, height: 1 } } },
        ],
      }),
    );
    const warnings = result.warnings.join('\n');
    assert.match(warnings, /Region absent: "purple cube" is not in the prompt/);
    assert.match(warnings, /"a" occurs 2 times in the prompt; every occurrence is painted/);
    assert.equal(result.images.length, 1);
  });

  test("a fixed context (a static export's 77 tokens): a phrase past it paints nothing and a longer region prompt is cut, each said", async () => {
    const long = `${Array.from({ length: 80 }, (_, i) => `word${i % 10}`).join(' ')} and a red star`;
    const painted = await engine.run(request('sd1-static', { version: 1, regions: [{ id: 'star', phrase: 'red star', mask: left }] }, { prompt: long }));
    assert.ok(painted.warnings.includes('"red star" fell outside the part of the prompt the UNet reads; it paints nothing'), painted.warnings.join('\n'));
    const composed = await engine.run(request('sd1-static', { version: 1, regionalMode: 'latent-composition', regions: [{ id: 'star', prompt: long, mask: left }] }));
    assert.ok(composed.warnings.includes("A region prompt is longer than the UNet's fixed context; it was cut"), composed.warnings.join('\n'));
    assert.equal(composed.images.length, 1);
  });

  test('latent composition lines up prompts of different lengths: the shorter ones padded with empty-prompt chunks, guided and not', async () => {
    const long = `${Array.from({ length: 80 }, (_, i) => `word${i % 10}`).join(' ')} and a green cross`;
    for (const cfgScale of [1, 7]) {
      const result = await engine.run(request('sd1-optimum', { version: 1, regionalMode: 'latent-composition', regions: [{ id: 'cross', prompt: long, mask: right }] }, { cfgScale }));
      assert.equal(result.images.length, 1, `CFG ${cfgScale}`);
    }
  });

  test("a scene graph's own sentence does not make its phrases occur twice; each warning is said once; the editor's flags judge the same prompt", async () => {
    // "red ball" is named by two relations of the composed sentence, and the user wrote nothing.
    const sceneGraph = {
      objects: [{ id: 'ball', name: 'ball', attributes: ['red'] }, { id: 'cat', name: 'cat', attributes: ['orange'] }, { id: 'dog', name: 'dog', attributes: ['brown'] }],
      relations: [{ subject: 'ball', predicate: 'left of' as const, object: 'cat' }, { subject: 'ball', predicate: 'above' as const, object: 'dog' }],
    };
    const graphOnly = await engine.run(request('sd1-optimum', { version: 1, sceneGraph }, { prompt: '' }), { previewIntervalMs: Infinity });
    assert.equal(graphOnly.prompt, promptWithGraph('', sceneGraph));
    assert.deepEqual(graphOnly.warnings.filter((w) => /occurs/.test(w)), [], graphOnly.warnings.join('\n'));
    // The editor judges a word region against the same prompt: "orange cat" is painted, not "no longer in the prompt".
    const region = { ...everyKind.find((l) => l.kind === 'word-region')!, phrase: 'orange cat', visible: true } as const;
    const document = { ...emptyDocument(64, 64), layers: [region] };
    assert.deepEqual(bindingIssues(document, promptWithGraph('', sceneGraph), () => true), []);
    assert.equal(bindingIssues(document, '', () => true)[0]?.problem, 'phrase-gone');

    // Written twice by the user, bound by a region and a box: said once, counted in the user's words.
    const twice = await engine.run(
      request('sd1-optimum', { version: 1, regions: [{ id: 'r', phrase: 'red star', mask: left }], boxes: [{ id: 'b', label: 'red star', rect: { x: 0.5, y: 0, width: 0.5, height: 1 } }] }, { prompt: 'a red star, another red star' }),
      { previewIntervalMs: Infinity },
    );
    assert.deepEqual(twice.warnings.filter((w) => /occurs/.test(w)), ['"red star" occurs 2 times in the prompt; every occurrence is painted']);
    assert.equal(new Set(twice.warnings).size, twice.warnings.length);
  });

  test('a contradictory scene graph is a typed error naming the conflicting relations', async () => {
    const doc: ConditioningDocument = {
      version: 1,
      sceneGraph: { objects: [{ id: 'a', name: 'cat' }, { id: 'b', name: 'dog' }], relations: [{ subject: 'a', predicate: 'left of', object: 'b' }, { subject: 'b', predicate: 'left of', object: 'a' }] },
    };
    await assert.rejects(engine.run(request('sd1-optimum', doc)), (e: unknown) => e instanceof SceneGraphConflictError && /cat left of dog, dog left of cat/.test(e.message) && e.conflicts[0]!.relations.length === 2);
  });

  test('a UNet whose attention cannot be found falls back to latent composition and says why', async () => {
    const folder = join(work, 'no-attention');
    cpSync(join(fixtureModels, 'sd1-optimum'), folder, { recursive: true });
    // A stand-in UNet with the real interface but no attention inside: out = sample / 2.
    const F = onnx.TensorProto.DataType.FLOAT;
    const io = (name: string, elemType = F) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'b' }, { dimParam: 'c' }, { dimParam: 'h' }, { dimParam: 'w' }].slice(0, name === 'timestep' ? 1 : name === 'encoder_hidden_states' ? 3 : 4) } } } });
    const graph = {
      name: 'no-attention',
      node: [{ opType: 'Mul', input: ['sample', 'half'], output: ['out_sample'] }],
      initializer: [{ name: 'half', dataType: F, dims: [], floatData: [0.5] }],
      input: [io('sample'), io('timestep', onnx.TensorProto.DataType.INT64), io('encoder_hidden_states')],
      output: [io('out_sample')],
    };
    writeFileSync(join(folder, 'unet', 'model.onnx'), onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }], graph }).finish());
    const result = await engine.run({ ...request('sd1-optimum', MODES[0]![1]), model: folder });
    assert.equal(result.spatialControl, 'latent-composition');
    assert.match(result.spatialReason, /^attention control is unavailable with this UNet \(No cross-attention layer found/);
    assert.match(result.warnings.join(), /Attention control is unavailable with this UNet \(No cross-attention layer found/);
  });

  test('attention maps can be observed: paint-with-words raises the share of a phrase\'s attention inside its region', async () => {
    const share = async (strength: number) => {
      let inside = 0;
      let total = 0;
      let layers = 0;
      await engine.run(request('sd1-optimum', { version: 1, regions: [{ id: 'star', phrase: 'red star', mask: left }], paintWithWordsStrength: strength }), {
        onAttention: (maps) => {
          for (const { factor, probabilities, queries, keys } of maps) {
            layers++;
            const columns = 8 / factor;
            // "red star" is tokens 2 and 3 of "a red star and a blue ring"; the mask is the left half.
            for (let at = 0; at < probabilities.length; at += queries * keys) {
              for (let q = 0; q < queries; q++) {
                for (const t of [2, 3]) {
                  total += probabilities[at + q * keys + t]!;
                  if (q % columns < columns / 2) inside += probabilities[at + q * keys + t]!;
                }
              }
            }
          }
        },
      });
      return { share: inside / total, layers };
    };
    const off = await share(0);
    const on = await share(1);
    assert.equal(off.layers, 3 * 5, 'five cross-attention layers at each of three steps');
    assert.ok(Math.abs(off.share - 0.5) < 0.1, `without control the phrase attends about evenly: ${off.share}`);
    assert.ok(on.share > off.share + 0.1, `${off.share} → ${on.share}`);
  });

  test('the PNG carries the request with its conditioning: regenerating from it gives the same image', async () => {
    const result = await engine.run(request('sd1-sdpa', MODES[4]![1]));
    const recorded = JSON.parse(readPngText(readFileSync(result.images[0]!.path)).wordbrush!) as { request: GenerationRequest; run: RunReport };
    // What happened travels with the image, as in the sidecar: the composed prompt, the path taken and why, the layout, the timings.
    const sidecar = JSON.parse(readFileSync(result.images[0]!.sidecar, 'utf8')) as { run: RunReport };
    assert.deepEqual(sidecar.run, recorded.run);
    assert.equal(recorded.run.prompt, result.prompt);
    assert.deepEqual(recorded.run.layout, result.layout);
    assert.deepEqual(recorded.run.warnings, result.warnings);
    assert.equal(recorded.run.spatialControl, 'attention');
    assert.equal(recorded.run.spatialReason, 'through the attention-biased UNet');
    assert.equal(recorded.run.timings.stepMs.length, 3);
    assert.equal(recorded.run.timings.decodeMs.length, 1);
    assert.ok([recorded.run.timings.loadMs, recorded.run.timings.encodeMs, ...recorded.run.timings.stepMs].every((ms) => ms >= 0));
    assert.deepEqual(recorded.request.conditioning, { ...MODES[4]![1], regions: [], boxes: [], regionalMode: 'auto', paintWithWordsStrength: 0.4, sceneGraph: { ...MODES[4]![1].sceneGraph!, relations: MODES[4]![1].sceneGraph!.relations } });
    const again = await engine.run({ ...recorded.request, outputDir: join(work, 'again') });
    assert.deepEqual(pixels(again.images[0]!.path), pixels(result.images[0]!.path));
    assert.equal(result.prompt, 'a red star and a blue ring, a red star left of a blue ring');
    // The solved layout comes back; sent as boxes it gives the same image: that is how the user edits it.
    assert.deepEqual(result.layout.map((b) => b.id), ['star', 'ring']);
    const asBoxes = await engine.run({ ...recorded.request, prompt: result.prompt, conditioning: { version: 1, boxes: result.layout.map((b) => ({ id: b.id, rect: b.rect, label: b.label })) }, outputDir: join(work, 'boxes') });
    assert.deepEqual(pixels(asBoxes.images[0]!.path), pixels(result.images[0]!.path));
  });

  test('a cache that cannot be written costs the cache, not the run: the same image, and a warning that says why', async () => {
    const blocked = join(work, 'a-file');
    writeFileSync(blocked, 'in the way');
    const uncached = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: join(blocked, 'cache') });
    const [doc] = MODES[0]!.slice(1) as [ConditioningDocument];
    const result = await uncached.run(request('sd1-optimum', doc, { outputDir: join(work, 'uncached') }));
    assert.equal(result.spatialControl, 'attention');
    assert.ok(result.warnings.some((w) => /The patched UNet could not be cached in .*a-file\/cache \(ENOTDIR\)/.test(w)), result.warnings.join('\n'));
    const cached = await engine.run(request('sd1-optimum', doc, { outputDir: join(work, 'cached') }));
    assert.deepEqual(pixels(result.images[0]!.path), pixels(cached.images[0]!.path));
    await uncached.release();
  });
});
