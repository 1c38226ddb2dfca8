import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { detectObjects, iou, type Box, type WorldPalette } from '../../bench/evaluation/world-detector';
import { decodeRgbPng } from '../../main/images/png-images';
import { repoRoot } from '../helpers/paths';

// 200 scenes rendered by the world's own generator (models/starter/training/make_eval_sets.py), with their truth.
const folder = join(repoRoot, 'test', 'fixtures', 'starter-world');
const { palette, scenes } = JSON.parse(readFileSync(join(folder, 'scenes.json'), 'utf8')) as {
  palette: WorldPalette;
  scenes: { file: string; objects: { color: string; shape: string; box: Box }[] }[];
};

describe('starter-world detector on procedurally rendered scenes', () => {
  let detections = 0;
  let truths = 0;
  let matched = 0;
  let shapesRight = 0;
  for (const scene of scenes) {
    const found = detectObjects(decodeRgbPng(readFileSync(join(folder, scene.file)), scene.file), palette);
    detections += found.length;
    truths += scene.objects.length;
    for (const object of scene.objects) {
      const hit = found.find((f) => f.color === object.color && iou(f.box, object.box) >= 0.5);
      if (hit) {
        matched++;
        if (hit.shape === object.shape) shapesRight++;
      }
    }
  }
  const [precision, recall, shapeAccuracy] = [matched / detections, matched / truths, shapesRight / matched];

  test(`finds objects with precision and recall of at least 0.95 (measured ${precision.toFixed(3)} / ${recall.toFixed(3)})`, () => {
    assert.ok(precision >= 0.95, String(precision));
    assert.ok(recall >= 0.95, String(recall));
  });

  test(`names the shape of at least 95% of the objects it finds (measured ${shapeAccuracy.toFixed(3)})`, () => assert.ok(shapeAccuracy >= 0.95, String(shapeAccuracy)));

  test('finds nothing on a plain background', () => {
    const data = new Uint8Array(64 * 64 * 3).map((_, i) => [194, 170, 128][i % 3]!);
    assert.deepEqual(detectObjects({ width: 64, height: 64, data }, palette), []);
  });

  test('iou of boxes', () => {
    assert.equal(iou([0, 0, 0.5, 0.5], [0, 0, 0.5, 0.5]), 1);
    assert.equal(iou([0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]), 0);
    assert.ok(Math.abs(iou([0, 0, 0.5, 0.5], [0.25, 0, 0.75, 0.5]) - 1 / 3) < 1e-12);
  });
});
