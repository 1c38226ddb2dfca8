import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { createWriteStream } from 'node:fs';
import yazl from 'yazl';
import { importModel } from '../../main/models/import-model';
import { ModelLibrary } from '../../main/models/model-library';
import { MANIFEST_FILE } from '../../main/models/model-files';
import { fixtureModels, temporary } from '../helpers/backend';
import { repoRoot } from '../helpers/paths';
import { flipByte } from '../helpers/bytes';

const fixture = (name: string) => join(fixtureModels, name);

/** A library holding copies of fixtures, each broken (or not) by `damage`. */
function libraryWith(models: Record<string, { from: string; damage?: (dir: string) => void }>) {
  const dir = temporary('library');
  for (const [id, { from, damage }] of Object.entries(models)) {
    cpSync(fixture(from), join(dir, id), { recursive: true });
    damage?.(join(dir, id));
  }
  return new ModelLibrary({ dir, readOnly: [] });
}

const problems = async (library: ModelLibrary) => Object.fromEntries((await library.list()).models.map((m) => [m.id, m.problem]));

/** Scheduler configs with a setting the engine does not run, by the model id that carries them. */
const SCHEDULE_EDITS: Record<string, Record<string, unknown>> = {
  'cosine-betas': { beta_schedule: 'squaredcos_cap_v2' },
  'sample-prediction': { prediction_type: 'sample' },
  'odd-spacing': { timestep_spacing: 'middle' },
  'karras-config': { use_karras_sigmas: true },
  'zero-snr': { rescale_betas_zero_snr: true },
  'trained-betas': { trained_betas: [0.001, 0.002] },
  'huge-schedule': { num_train_timesteps: 1e12 },
  'one-timestep': { num_train_timesteps: 1 },
};

describe('the model library', () => {
  test('lists each broken model with its problem in words, and every good model stays usable', async () => {
    const library = libraryWith({
      good: { from: 'sd1-optimum' },
      'null-index': { from: 'sd1-optimum', damage: (d) => writeFileSync(join(d, 'model_index.json'), 'null') },
      'bad-json': { from: 'sd1-optimum', damage: (d) => writeFileSync(join(d, 'scheduler', 'scheduler_config.json'), '{"beta_start": ') },
      'empty-onnx': { from: 'sd1-optimum', damage: (d) => writeFileSync(join(d, 'unet', 'model.onnx'), '') },
      'random-onnx': { from: 'sd1-optimum', damage: (d) => writeFileSync(join(d, 'vae_decoder', 'model.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))) },
      'no-weights': { from: 'sd1-optimum', damage: (d) => rmSync(join(d, 'unet', 'model.onnx_data')) },
      'short-weights': { from: 'sd1-optimum', damage: (d) => truncateSync(join(d, 'unet', 'model.onnx_data'), 1000) },
      'no-unet': { from: 'sd1-optimum', damage: (d) => rmSync(join(d, 'unet'), { recursive: true }) },
      'bad-schedule': { from: 'sd1-optimum', damage: (d) => writeFileSync(join(d, 'scheduler', 'scheduler_config.json'), JSON.stringify({ beta_start: 0.02, beta_end: 0.01 })) },
      // Scheduler settings the engine does not run are the model's problem, named, never a silently different schedule.
      ...Object.fromEntries(
        Object.entries(SCHEDULE_EDITS).map(([id, change]) => [id, { from: 'sd1-optimum', damage: (d: string) => writeFileSync(join(d, 'scheduler', 'scheduler_config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(d, 'scheduler', 'scheduler_config.json'), 'utf8')), ...change })) }]),
      ),
      'mixed-parts': { from: 'sd1-optimum', damage: (d) => (rmSync(join(d, 'unet'), { recursive: true }), cpSync(join(fixture('sdxl'), 'unet'), join(d, 'unet'), { recursive: true })) },
      // Exports with configs (optimum's) say how wide the text encoder writes even where the graph leaves it symbolic.
      'mixed-widths': {
        from: 'sd1-optimum',
        damage: (d) => {
          rmSync(join(d, 'unet'), { recursive: true });
          cpSync(join(fixture('sd2-v'), 'unet'), join(d, 'unet'), { recursive: true });
          writeFileSync(join(d, 'text_encoder', 'config.json'), JSON.stringify({ architectures: ['CLIPTextModel'], hidden_size: 32 }));
        },
      },
      'index-is-folder': { from: 'sd1-optimum', damage: (d) => (rmSync(join(d, 'model_index.json')), mkdirSync(join(d, 'model_index.json'))) },
      'no-tokenizer-files': { from: 'sd1-optimum', damage: (d) => rmSync(join(d, 'tokenizer', 'merges.txt')) },
    });
    const listed = await problems(library);
    assert.equal(listed.good, null);
    const expect: Record<string, RegExp> = {
      'null-index': /null-index\/model_index\.json must hold a JSON object, not null/,
      'bad-json': /bad-json\/scheduler\/scheduler_config\.json is not valid JSON/,
      'empty-onnx': /empty-onnx\/unet\/model\.onnx is empty/,
      'random-onnx': /random-onnx\/vae_decoder\/model\.onnx is not an ONNX model/,
      'no-weights': /no-weights\/unet\/model\.onnx_data is missing: unet\/model\.onnx keeps its weights there/,
      'short-weights': /short-weights\/unet\/model\.onnx_data is truncated: 1000 bytes where unet\/model\.onnx needs \d+/,
      'no-unet': /has no unet\/model\.onnx/,
      'bad-schedule': /scheduler_config\.json: the noise schedule needs 0 < beta_start < beta_end < 1/,
      'cosine-betas': /scheduler_config\.json: beta_schedule "squaredcos_cap_v2" is not one the engine runs \(scaled_linear, linear\)/,
      'sample-prediction': /scheduler_config\.json: prediction_type "sample" is not one the engine runs \(epsilon, v_prediction\)/,
      'odd-spacing': /scheduler_config\.json: timestep_spacing "middle" is not one the engine runs/,
      'karras-config': /scheduler_config\.json: use_karras_sigmas is set, which the engine does not honour yet/,
      'zero-snr': /scheduler_config\.json: rescale_betas_zero_snr is set, which the engine does not honour yet/,
      'trained-betas': /scheduler_config\.json: trained_betas are given, which the engine does not honour yet/,
      'huge-schedule': /scheduler_config\.json: num_train_timesteps must be a whole number from 2 to 100000, not 1000000000000/,
      'one-timestep': /scheduler_config\.json: num_train_timesteps must be a whole number from 2 to 100000, not 1$/,
      'mixed-parts': /unet\/model\.onnx takes SDXL's text_embeds but there is no text_encoder_2/,
      'mixed-widths': /unet\/model\.onnx reads text 48 wide but text_encoder write 32; the parts come from different models/,
      'index-is-folder': /model_index\.json cannot be read \(EISDIR\)/,
      'no-tokenizer-files': /tokenizer.*neither vocab\.json \+ merges\.txt nor a tokenizer\.json/,
    };
    for (const [id, pattern] of Object.entries(expect)) assert.match(listed[id] ?? 'no problem reported', pattern, id);
    assert.deepEqual(Object.keys(listed).sort(), ['good', ...Object.keys(expect)].sort());
  });

  test('two models with one id: the first stays usable, the second is listed with the clash in words', async () => {
    const [first, second] = [temporary('models-a'), temporary('models-b')];
    cpSync(fixture('sd1-optimum'), join(first, 'twin'), { recursive: true });
    cpSync(fixture('sd1-optimum'), join(second, 'twin'), { recursive: true });
    const listing = await new ModelLibrary({ dir: temporary('library'), readOnly: [{ dir: first, kind: 'external' }, { dir: second, kind: 'external' }] }).list();
    const twins = listing.models.filter((m) => m.id === 'twin');
    assert.deepEqual(
      twins.map((m) => [m.problem, m.family]),
      [
        [null, 'sd1'],
        [`Another model already has the id "twin" (external folder ${join(second, 'twin')}); rename one of the folders`, null],
      ],
    );
  });

  test('a --models path that is a file, or gone, is reported while the rest lists', async () => {
    const file = join(temporary('models'), 'not-a-folder');
    writeFileSync(file, 'x');
    const library = new ModelLibrary({ dir: temporary('library'), readOnly: [{ dir: file, kind: 'external' }, { dir: '/nonexistent/models', kind: 'external' }, { dir: fixtureModels, kind: 'external' }] });
    const listing = await library.list();
    assert.deepEqual(listing.problems, [`${file} (external models) is a file, not a folder`, '/nonexistent/models does not exist']);
    assert.equal(listing.models.filter((m) => m.problem === null).length, readdirSync(fixtureModels).length, 'every fixture');
    assert.ok(listing.models.every((m) => m.location === 'external' && !m.managed));
  });

  test('a model added by hand gets a manifest; a changed file is flagged by size and by verify', async () => {
    const library = libraryWith({ mine: { from: 'sd1-conversion' } });
    const [entry] = (await library.list()).models;
    assert.equal(entry?.source.kind, 'found');
    const manifest = JSON.parse(readFileSync(join(library.dir, 'mine', MANIFEST_FILE), 'utf8')) as { files: { path: string; sha256: string }[] };
    assert.ok(manifest.files.some((f) => f.path === 'unet/weights.pb' && /^[0-9a-f]{64}$/.test(f.sha256)));
    assert.deepEqual((await library.verify('mine')).mismatches, []);

    // Same size, one byte different: only verify can tell.
    const weights = join(library.dir, 'mine', 'unet', 'weights.pb');
    const bytes = readFileSync(weights);
    flipByte(bytes, 100);
    writeFileSync(weights, bytes);
    const report = await library.verify('mine');
    assert.equal(report.ok, false);
    assert.match(report.mismatches[0]!.problem, /content differs/);
    assert.equal(report.mismatches[0]!.path, 'unet/weights.pb');

    // A different size is flagged on every listing.
    writeFileSync(weights, bytes.subarray(0, 100));
    const [flagged] = (await library.list()).models;
    assert.deepEqual(flagged?.manifestMismatch, [`unet/weights.pb is 100 bytes; the manifest says ${bytes.length}`]);
  });

  test('rename, family override and default are kept; bundled models are only read', async () => {
    const dir = temporary('library');
    cpSync(fixture('sd2-v'), join(dir, 'v-model'), { recursive: true });
    const library = new ModelLibrary({ dir, readOnly: [{ dir: join(repoRoot, 'models', 'starter'), kind: 'bundled' }] });
    await library.list();
    await library.rename('v-model', 'My SD 2 model');
    await library.setFamily('v-model', 'sd-turbo');
    await library.setDefault('v-model');
    const again = await new ModelLibrary(library.options).list();
    const entry = again.models.find((m) => m.id === 'v-model');
    assert.deepEqual([entry?.name, entry?.family, entry?.detectedFamily, entry?.familyOverridden, entry?.isDefault], ['My SD 2 model', 'sd-turbo', 'sd2', true, true]);
    assert.equal(again.defaultId, 'v-model');
    await assert.rejects(library.remove('starter'), /bundled with the studio; the library does not remove it/);
    await assert.rejects(library.rename('starter', 'x'), { code: 'not-managed' });
    await assert.rejects(library.remove('nope'), { code: 'unknown-model' });

    // It was put in the library folder by hand: removing it forgets it and leaves its files where they are.
    await library.remove('v-model');
    assert.deepEqual(readdirSync(dir).filter((f) => f !== 'library.json'), ['v-model']);
    assert.ok(existsSync(join(dir, 'v-model', 'unet', 'model.onnx')));
    const after = await library.list();
    assert.deepEqual([after.models.map((m) => m.id), after.defaultId], [['starter'], null]);
  });
});

describe('importing a model', () => {
  test('copies a folder in, checked and hashed, under a free id', async () => {
    const library = new ModelLibrary({ dir: temporary('library'), readOnly: [] });
    const first = await importModel(library, { path: fixture('sd1-optimum'), inPlace: false });
    const second = await importModel(library, { path: fixture('sd1-optimum'), inPlace: false, name: 'Second copy' });
    assert.deepEqual([first.id, second.id, second.name], ['sd1-optimum', 'sd1-optimum-2', 'Second copy']);
    assert.equal(first.family, 'sd1');
    assert.deepEqual(first.source, { kind: 'import', from: fixture('sd1-optimum'), inPlace: false });
    assert.equal((await library.verify('sd1-optimum')).ok, true);
    await assert.rejects(importModel(library, { path: fixture('sdxl'), inPlace: false, id: 'sd1-optimum' }), { code: 'model-exists' });
  });

  test('registers a folder where it lies; removing it leaves the files', async () => {
    const source = join(temporary('elsewhere'), 'my-model');
    cpSync(fixture('sd1-fp16'), source, { recursive: true });
    const library = new ModelLibrary({ dir: temporary('library'), readOnly: [] });
    const entry = await importModel(library, { path: source, inPlace: true });
    assert.deepEqual([entry.id, entry.location, entry.problem], ['my-model', 'registered', null]);
    assert.equal((await library.resolve('my-model')).folder, source);
    await library.remove('my-model');
    assert.ok(existsSync(join(source, 'unet', 'model.onnx')));
    assert.deepEqual((await library.list()).models, []);
  });

  test('a zip with the model in one top folder is unpacked and imported', async () => {
    const zip = await zipFolder(fixture('sd1-static'), 'packed/');
    const library = new ModelLibrary({ dir: temporary('library'), readOnly: [] });
    const entry = await importModel(library, { path: zip, inPlace: false });
    assert.deepEqual([entry.id, entry.family, entry.problem], ['sd1-static', 'sd1', null]);
  });

  test('a broken folder, a zip escaping its folder and a relative path are refused, leaving nothing behind', async () => {
    const library = new ModelLibrary({ dir: temporary('library'), readOnly: [] });
    const broken = join(temporary('broken'), 'broken-model');
    cpSync(fixture('sd1-optimum'), broken, { recursive: true });
    rmSync(join(broken, 'unet', 'model.onnx_data'));
    await assert.rejects(importModel(library, { path: broken, inPlace: false }), /broken-model cannot be imported: .*unet\/model\.onnx_data is missing/);
    await assert.rejects(importModel(library, { path: broken, inPlace: true }), { code: 'invalid-import' });

    const evil = join(temporary('zip'), 'evil.zip');
    await writeZip(evil, [['model_index.json', '{}'], ['../outside.txt', 'x']]);
    await assert.rejects(importModel(library, { path: evil, inPlace: false }), /invalid relative path: \.\.\/outside\.txt|outside its folder/);
    await assert.rejects(importModel(library, { path: 'relative/model', inPlace: false }), /full path/);
    assert.deepEqual(readdirSync(library.dir), [], 'no model and no work folder is left');
  });
});

async function zipFolder(dir: string, prefix: string): Promise<string> {
  const entries: [string, Buffer][] = [];
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${name.name}` : name.name;
      if (name.isDirectory()) walk(path);
      else entries.push([prefix + path, readFileSync(join(dir, path))]);
    }
  };
  walk('');
  const zip = join(temporary('zip'), `${basename(dir)}.zip`);
  await writeZip(zip, entries);
  return zip;
}

function writeZip(path: string, entries: [string, string | Buffer][]): Promise<void> {
  const zip = new yazl.ZipFile();
  // yazl refuses "..", so a hostile name is written with a placeholder and patched in the central directory below.
  for (const [name, content] of entries) zip.addBuffer(Buffer.from(content), name.replace('../', 'xx/'));
  zip.end();
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const patched = Buffer.from(bytes.toString('latin1').replaceAll('xx/', '../'), 'latin1');
      const out = createWriteStream(path);
      out.on('error', fail);
      out.end(patched, () => done());
    });
  });
}
