import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decode } from 'fast-png';
import type { GenerationResult } from '../../app/contract/generation';
import { fixtureModels } from '../helpers/backend';
import { writeTestPng } from '../helpers/images';
import { startHubServer } from '../helpers/hub-server';
import { repoRoot, requireBuild } from '../helpers/paths';
import { flipByte } from '../helpers/bytes';

/** The CLI's library (and so its cache) lives in a temporary folder, never in the user's home. */
const cliHome = mkdtempSync(join(tmpdir(), 'wordbrush-cli-home-'));
/** Runs the built CLI as `npm run -s cli -- …` does. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'dist', 'main', 'cli.js'), ...args], { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, WORDBRUSH_HOME: cliHome } });
const work = mkdtempSync(join(tmpdir(), 'wordbrush-cli-'));

describe('CLI', () => {
  before(requireBuild);

  test('tokenize prints the reference ids, start and end tokens included', () => {
    const references = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'clip-tokenizer', 'reference-vectors.json'), 'utf8')) as { text: string; ids: number[] }[];
    for (const { text, ids } of references.slice(0, 3)) {
      const run = cli('tokenize', '--tokenizer', join(fixtureModels, 'sd1-conversion', 'tokenizer'), text);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), ids);
    }
  });

  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-static', 'sd2-v', 'sdxl']) {
    test(`generate writes ${model}'s image and sidecar where --out says, the same for the same seed`, () => {
      const outs = ['a.png', 'b.png'].map((name) => join(work, `${model}-${name}`));
      for (const out of outs) {
        const run = cli('generate', '--model', join(fixtureModels, model), '--prompt', 'a red star', '--steps', '2', '--width', '64', '--height', '64', '--seed', '5', '--sampler', 'euler', '--cfg', '4', '--out', out);
        assert.equal(run.status, 0, run.stderr);
        assert.ok(existsSync(out.replace('.png', '.json')));
      }
      const [a, b] = outs.map((out) => decode(readFileSync(out)));
      assert.deepEqual(a!.data, b!.data);
      assert.match(a!.text.parameters ?? '', /Steps: 2, Sampler: Euler, CFG scale: 4, Seed: 5, Size: 64x64/);
    });
  }

  test('never replaces an existing image or sidecar unless --force says so', () => {
    const out = join(work, 'kept.png');
    writeFileSync(out.replace('.png', '.json'), 'my notes');
    const args = ['generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '1', '--width', '64', '--height', '64', '--out', out];
    const refused = cli(...args);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /kept\.json already exists; choose another --out or add --force to replace/);
    assert.equal(readFileSync(out.replace('.png', '.json'), 'utf8'), 'my notes');
    assert.ok(!existsSync(out));
    const forced = cli(...args, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.notEqual(readFileSync(out.replace('.png', '.json'), 'utf8'), 'my notes');
    // A batch's later images are checked too.
    writeFileSync(join(work, 'batch-2.png'), 'older image');
    const batch = cli('generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '1', '--width', '64', '--height', '64', '--batch', '2', '--out', join(work, 'batch.png'));
    assert.equal(batch.status, 2);
    assert.match(batch.stderr, /batch-2\.png already exists/);
  });

  test('img2img with --init and --strength', () => {
    const first = join(work, 'first.png');
    assert.equal(cli('generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '2', '--width', '64', '--height', '64', '--out', first).status, 0);
    const second = join(work, 'second.png');
    const run = cli('generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '4', '--width', '64', '--height', '64', '--init', first, '--strength', '0.5', '--out', second);
    assert.equal(run.status, 0, run.stderr);
    assert.match(decode(readFileSync(second)).text.parameters ?? '', /Denoising strength: 0.5/);
  });

  test('generate --expert hands the last steps to an SDXL refiner, at a fraction or a noise level; a bad --expert is refused with the usage', () => {
    const out = join(work, 'ensemble.png');
    const run = cli('generate', '--model', join(fixtureModels, 'sdxl'), '--prompt', 'a lion', '--steps', '10', '--width', '64', '--height', '64', '--expert', `${join(fixtureModels, 'sdxl-refiner')}@0.8`, '--aesthetic', '7', '--json', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as GenerationResult;
    assert.deepEqual(result.experts?.map((e) => [e.model, e.steps]), [['sdxl', [0, 8]], ['sdxl-refiner', [8, 10]]]);
    assert.match(decode(readFileSync(out)).text.parameters ?? '', /Refiner: sdxl-refiner, Refiner switch at: 0.8/);
    const bySigma = cli('generate', '--model', join(fixtureModels, 'sdxl'), '--prompt', 'a lion', '--steps', '10', '--width', '64', '--height', '64', '--expert', `${join(fixtureModels, 'sdxl-refiner')}@sigma=1`, '--out', join(work, 'by-sigma.png'));
    assert.equal(bySigma.status, 0, bySigma.stderr);
    assert.match(bySigma.stdout, /sdxl-refiner: steps \d+-10/);
    for (const [expert, message] of [['sdxl-refiner', /--expert needs MODEL@FRACTION/], ['sdxl-refiner@1.5', /--expert 1 \(where it switches\): below 1/], ['sdxl-refiner@x', /--expert needs a number/]] as const) {
      const bad = cli('generate', '--model', join(fixtureModels, 'sdxl'), '--prompt', 'x', '--expert', expert, '--out', join(work, 'bad.png'));
      assert.equal(bad.status, 2, `${expert}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
    }
  });

  test('generate --conditioning takes regions, boxes or a scene graph on every fixture, painted masks relative to the file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wordbrush-cond-'));
    const mask = writeTestPng(join(folder, 'left.png'), 64, 64, (x) => (x < 32 ? [255, 255, 255] : [0, 0, 0]));
    const docs = {
      regions: { version: 1, regions: [{ id: 'star', phrase: 'red star', mask: { kind: 'image', png: 'left.png' } }, { id: 'cross', prompt: 'a green cross', mask: { kind: 'rect', rect: { x: 0.5, y: 0, width: 0.5, height: 1 } } }] },
      boxes: { version: 1, boxes: [{ id: 'ring', label: 'blue ring', rect: { x: 0.5, y: 0.5, width: 0.4, height: 0.4 } }] },
      graph: { version: 1, sceneGraph: { objects: [{ id: 'a', name: 'star' }, { id: 'b', name: 'ring' }], relations: [{ subject: 'a', predicate: 'above', object: 'b' }] } },
    };
    assert.ok(existsSync(mask));
    for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-sdpa', 'sd1-static', 'sd2-v', 'sdxl']) {
      for (const [name, doc] of Object.entries(docs)) {
        const file = join(folder, `${name}.json`);
        writeFileSync(file, JSON.stringify(doc));
        const out = join(folder, `${model}-${name}.png`);
        const run = cli('generate', '--model', join(fixtureModels, model), '--prompt', 'a red star and a blue ring', '--steps', '2', '--width', '64', '--height', '64', '--conditioning', file, '--out', out);
        assert.equal(run.status, 0, `${model} ${name}: ${run.stderr}`);
        const recorded = JSON.parse(decode(readFileSync(out)).text.wordbrush ?? '{}') as { request?: { conditioning?: { version: number } } };
        assert.equal(recorded.request?.conditioning?.version, 1, name);
      }
    }
  });

  test('says which spatial-control path ran, prints the whole result with --json, and refuses a contradictory scene graph with exit 3', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wordbrush-cli-graph-'));
    const graph = (relations: object[]) => {
      const file = join(folder, `graph-${relations.length}.json`);
      writeFileSync(file, JSON.stringify({ version: 1, sceneGraph: { objects: [{ id: 'cat', name: 'cat' }, { id: 'dog', name: 'dog' }], relations } }));
      return file;
    };
    const args = (file: string, out: string, ...more: string[]) => ['generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', '', '--steps', '2', '--width', '64', '--height', '64', '--conditioning', file, '--out', join(folder, out), ...more];
    const leftOf = graph([{ subject: 'cat', predicate: 'left of', object: 'dog' }]);

    const plain = cli(...args(leftOf, 'plain.png'));
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^spatial control: attention \(through the attention-biased UNet\)$/m);
    assert.match(plain.stdout, /^layout: cat at [\d.,]+; dog at [\d.,]+$/m);

    const json = cli(...args(leftOf, 'json.png', '--json'));
    assert.equal(json.status, 0, json.stderr);
    const result = JSON.parse(json.stdout) as GenerationResult;
    assert.equal(result.prompt, 'a cat left of a dog');
    assert.equal(result.spatialControl, 'attention');
    assert.deepEqual(result.layout.map((b) => b.id), ['cat', 'dog']);
    assert.equal(result.images[0]!.path, join(folder, 'json.png'));
    assert.equal(result.timings.stepMs.length, 2);

    const refused = cli(...args(graph([{ subject: 'cat', predicate: 'left of', object: 'dog' }, { subject: 'dog', predicate: 'left of', object: 'cat' }]), 'refused.png'));
    assert.equal(refused.status, 3, refused.stderr);
    assert.match(refused.stderr, /cat left of dog, dog left of cat/);
    assert.doesNotMatch(refused.stderr, /Model error/);
    assert.ok(!existsSync(join(folder, 'refused.png')));
    assert.match(cli('help').stdout, /3 {2}the scene graph's relations cannot all hold/);
  });

  const bad: [string, string[], number, RegExp][] = [
    ['no command', ['frobnicate'], 2, /Unknown command/],
    ['a missing --model', ['generate', '--prompt', 'x', '--out', 'x.png'], 2, /--model/],
    ['a size not a multiple of 8', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--width', '65'], 2, /--width: .*multiple of 8/],
    ['an unknown sampler', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--sampler', 'heun'], 2, /--sampler must be one of/],
    ['an unknown flag', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--colour', 'red'], 2, /Unknown option '--colour'/],
    ['a mask without init', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--mask', 'm.png'], 2, /mask.*init/i],
    ['a folder that is not a model', ['generate', '--model', join(fixtureModels, '..', 'probe'), '--prompt', 'x', '--out', join(work, 'x.png')], 1, /Model error: .*model_index\.json/],
    ['a conditioning file that is not JSON', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--conditioning', join(repoRoot, 'README.md')], 2, /--conditioning: cannot read .* as JSON/],
    ['a conditioning document of the wrong version', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--conditioning', join(repoRoot, 'package.json')], 2, /--conditioning/],
    ['a hexadecimal seed', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--seed', '0x10'], 2, /--seed needs a decimal whole number, got "0x10"/],
    ['a seed in exponent form', ['generate', '--model', 'm', '--prompt', 'x', '--out', 'x.png', '--seed', '1e3'], 2, /--seed needs a decimal whole number/],
    ['an id that is not in the library', ['generate', '--model', 'no-such-model', '--prompt', 'x', '--out', join(work, 'z.png')], 1, /There is no model "no-such-model" in the library/],
    ['models without an action', ['models'], 2, /models needs an action: list, import, download, verify or remove/],
    ['a repository that is not owner/name', ['models', 'download', 'just-a-name'], 2, /OWNER\/NAME: A repository is "owner\/name"/],
    ['verify of a model that is not there', ['models', 'verify', 'ghost'], 1, /There is no model "ghost"/],
    ['a static model at another size', ['generate', '--model', join(fixtureModels, 'sd1-static'), '--prompt', 'x', '--width', '128', '--height', '128', '--out', join(work, 'y.png')], 1, /fixed sample shape/],
  ];
  for (const [name, args, status, message] of bad) {
    test(`exits ${status} with a clear message for ${name}`, () => {
      const run = cli(...args);
      assert.equal(run.status, status, run.stderr);
      assert.match(run.stderr, message);
    });
  }
});

/** Runs the CLI without blocking this process, so the loopback hub in it can answer. */
function cliAsync(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'main', 'cli.js'), ...args], { cwd: repoRoot, env: { ...process.env, HF_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('CLI models', () => {
  before(requireBuild);

  test('list, import, generate by id, download from the hub, verify and remove, all on WORDBRUSH_HOME', async () => {
    const hub = await startHubServer();
    try {
      const env = { WORDBRUSH_HOME: mkdtempSync(join(tmpdir(), 'wordbrush-cli-models-')), HF_ENDPOINT: hub.url };
      const listed = await cliAsync(env, 'models', 'list', '--json');
      assert.equal(listed.status, 0, listed.stderr);
      const before = JSON.parse(listed.stdout) as { models: { id: string; family: string; problem: string | null; sizeBytes: number; location: string }[] };
      assert.deepEqual(before.models.map((m) => [m.id, m.family, m.problem, m.location]), [['starter', 'sd2', null, 'bundled']]);
      assert.ok(before.models[0]!.sizeBytes > 1e6);

      const imported = await cliAsync(env, 'models', 'import', join(fixtureModels, 'sd1-conversion'), '--id', 'converted');
      assert.equal(imported.status, 0, imported.stderr);
      assert.match(imported.stdout, /^Imported converted\t/m);
      const out = join(work, 'by-id.png');
      const generated = await cliAsync(env, 'generate', '--model', 'converted', '--prompt', 'a red star', '--steps', '2', '--width', '64', '--height', '64', '--out', out);
      assert.equal(generated.status, 0, generated.stderr);
      assert.ok(existsSync(out));

      hub.host('acme/tiny-sd', join(fixtureModels, 'sd1-optimum'));
      hub.faults.dropAfter.set('unet/model.onnx_data', [50_000]);
      const downloaded = await cliAsync(env, 'models', 'download', 'acme/tiny-sd');
      assert.equal(downloaded.status, 0, downloaded.stderr);
      assert.match(downloaded.stderr, /tiny-sd: downloading [\d.]+% of [\d.]+ [kMG]?B/);
      assert.match(downloaded.stdout, /Downloaded acme\/tiny-sd@[0-9a-f]{40} as "tiny-sd", every file verified/);
      assert.equal((await cliAsync(env, 'models', 'verify', 'tiny-sd')).status, 0);

      const weights = join(env.WORDBRUSH_HOME, 'models', 'tiny-sd', 'unet', 'model.onnx_data');
      const bytes = readFileSync(weights);
      flipByte(bytes, 7);
      writeFileSync(weights, bytes);
      const mismatch = await cliAsync(env, 'models', 'verify', 'tiny-sd');
      assert.equal(mismatch.status, 4);
      assert.match(mismatch.stdout, /unet\/model\.onnx_data: content differs/);

      const missing = await cliAsync(env, 'models', 'download', 'acme/does-not-exist');
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /acme\/does-not-exist@main was not found on the hub \(404\)/);

      assert.equal((await cliAsync(env, 'models', 'remove', 'tiny-sd')).status, 0);
      const after = JSON.parse((await cliAsync(env, 'models', 'list', '--json')).stdout) as typeof before;
      assert.deepEqual(after.models.map((m) => m.id).sort(), ['converted', 'starter']);
      const removeBundled = await cliAsync(env, 'models', 'remove', 'starter');
      assert.equal(removeBundled.status, 1);
      assert.match(removeBundled.stderr, /bundled with the studio/);
    } finally {
      await hub.close();
    }
  });
});

