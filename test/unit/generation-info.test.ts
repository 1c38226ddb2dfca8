import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { generationInfoOf, parseA1111Parameters, wordbrushRecordOf } from '../../app/domain/generation-info';
import { a1111Parameters } from '../../main/engine/output/parameters';
import { repoRoot } from '../helpers/paths';

interface Example {
  source: string;
  chunks: Record<string, string>;
  expected: { tool: string; promptStart: string; negativeStart: string; fields: Record<string, string> } & Record<string, unknown>;
}
const examples = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'generation-info', 'examples.json'), 'utf8')) as Example[];

describe('reading how an image was made (A1111, ComfyUI, InvokeAI)', () => {
  for (const { source, chunks, expected } of examples) {
    test(source, () => {
      const info = generationInfoOf(chunks);
      assert.ok(info);
      assert.equal(info.tool, expected.tool);
      assert.ok(info.prompt.startsWith(expected.promptStart), info.prompt);
      assert.ok(info.negativePrompt.startsWith(expected.negativeStart), info.negativePrompt);
      assert.ok(!info.prompt.includes('Negative prompt:') && !info.prompt.includes('Steps:'));
      for (const key of ['steps', 'sampler', 'schedule', 'cfgScale', 'seed', 'width', 'height', 'model']) {
        if (key in expected) assert.deepEqual(info[key as keyof typeof info], expected[key], key);
      }
      for (const [key, value] of Object.entries(expected.fields)) assert.equal(info.fields[key], value, key);
    });
  }

  test("reads back what Wordbrush writes, exactly", () => {
    const text = a1111Parameters({ prompt: 'a red fox, (snow:1.2)\nsecond line', negativePrompt: 'blurry', steps: 30, sampler: 'euler_ancestral', schedule: 'karras', cfgScale: 6.5, seed: 4242, width: 768, height: 512, model: 'sd1-optimum', denoisingStrength: 0.6 });
    const info = parseA1111Parameters(text);
    assert.deepEqual(
      { prompt: info.prompt, negativePrompt: info.negativePrompt, steps: info.steps, sampler: info.sampler, schedule: info.schedule, cfgScale: info.cfgScale, seed: info.seed, width: info.width, height: info.height, model: info.model, denoisingStrength: info.denoisingStrength },
      { prompt: 'a red fox, (snow:1.2)\nsecond line', negativePrompt: 'blurry', steps: 30, sampler: 'euler_ancestral', schedule: 'karras', cfgScale: 6.5, seed: 4242, width: 768, height: 512, model: 'sd1-optimum', denoisingStrength: 0.6 },
    );
  });

  test('text without a parameters line is all prompt; unknown samplers keep their name only', () => {
    assert.deepEqual(parseA1111Parameters('just a prompt, with commas: and colons').prompt, 'just a prompt, with commas: and colons');
    const info = parseA1111Parameters('x\nSteps: 10, Sampler: Heun, CFG scale: 5');
    assert.equal(info.sampler, undefined);
    assert.equal(info.samplerLabel, 'Heun');
    assert.equal(generationInfoOf({ Software: 'GIMP' }), null);
  });
});

describe("Wordbrush's own record, as the renderer is shown it", () => {
  test('names models by their folder, and keeps no folder or file of main: output folder dropped, pictures only said to exist', () => {
    const square = { kind: 'rect', x: 0, y: 0, width: 0.5, height: 0.5 };
    const request = {
      model: '/home/a/models/sdxl-base',
      outputDir: '/home/a/gallery',
      prompt: 'a red star',
      init: { image: '/home/a/assets/asset_1.png', strength: 0.5 },
      mask: '/home/a/assets/asset_2.png',
      experts: [{ model: 'C:\\models\\sdxl-refiner', switchAt: { fraction: 0.8 } }],
      conditioning: { version: 1, regions: [{ id: 'painted', phrase: 'red star', mask: { kind: 'image', png: '/home/a/assets/asset_3.png' } }, { id: 'box', phrase: 'sky', mask: square }] },
    };
    const record = wordbrushRecordOf(JSON.stringify({ wordbrush: '0.1.0', request, family: 'sdxl' }));
    assert.deepEqual(record, {
      wordbrush: '0.1.0',
      family: 'sdxl',
      request: {
        model: 'sdxl-base',
        prompt: 'a red star',
        init: '(an image file)',
        mask: '(an image file)',
        experts: [{ model: 'sdxl-refiner', switchAt: { fraction: 0.8 } }],
        conditioning: { version: 1, regions: [{ id: 'painted', phrase: 'red star', mask: { kind: 'image', png: '(an image file)' } }, { id: 'box', phrase: 'sky', mask: square }] },
      },
    });
    assert.doesNotMatch(JSON.stringify(record), /home|models\\/);
  });

  test('a record that is not JSON, or not an object, is no record', () => {
    assert.equal(wordbrushRecordOf('{"request":'), null);
    assert.equal(wordbrushRecordOf('12'), null);
  });
});
