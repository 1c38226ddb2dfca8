import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sizePresets } from '../../app/domain/size-presets';

describe('size presets', () => {
  test("SDXL's are the sizes its trainers published, each about a megapixel in multiples of 64", () => {
    const presets = sizePresets({ width: 1024, height: 1024 });
    const sizes = presets.map((p) => `${p.width}x${p.height}`);
    for (const published of ['1024x1024', '896x1152', '1152x896', '768x1344', '1344x768']) assert.ok(sizes.includes(published), published);
    for (const p of presets) {
      assert.equal(p.width % 64, 0);
      assert.equal(p.height % 64, 0);
      assert.ok(Math.abs((p.width * p.height) / 1024 ** 2 - 1) < 0.1, `${p.width}x${p.height}`);
    }
  });

  test('a small model gets sizes in multiples of 8, never below 64, and no duplicates', () => {
    const presets = sizePresets({ width: 64, height: 64 });
    assert.equal(presets[0]!.label, '1:1 (64×64)');
    assert.ok(presets.every((p) => p.width % 8 === 0 && p.height % 8 === 0 && p.width >= 64 && p.height >= 64));
    assert.equal(new Set(presets.map((p) => `${p.width}x${p.height}`)).size, presets.length);
  });
});
