import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decode } from 'fast-png';
import type { GenerationResult } from '../../app/contract/generation';
import { fixtureModels } from '../helpers/backend';
import { writeTestPng } from '../helpers/images';
import { repoRoot, requireBuild } from '../helpers/paths';

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
      assert.match(a!.text.parameters ?? '', /Steps: 2, Sampler: Euler Karras, CFG scale: 4, Seed: 5, Size: 64x64/);
    });
  }

  test('img2img with --init and --strength', () => {
    const first = join(work, 'first.png');
    assert.equal(cli('generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '2', '--width', '64', '--height', '64', '--out', first).status, 0);
    const second = join(work, 'second.png');
    const run = cli('generate', '--model', join(fixtureModels, 'sd1-optimum'), '--prompt', 'x', '--steps', '4', '--width', '64', '--height', '64', '--init', first, '--strength', '0.5', '--out', second);
    assert.equal(run.status, 0, run.stderr);
    assert.match(decode(readFileSync(second)).text.parameters ?? '', /Denoising strength: 0.5/);
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
