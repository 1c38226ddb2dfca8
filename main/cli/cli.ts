import { existsSync, statSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelId } from '../../app/contract/models';
import { LibraryError } from '../models/library-error';
import { ModelLibrary } from '../models/model-library';
import { runModelsCommand } from './models-command';
import { defaultDataDir, defaultLibrary, settingsFile } from '../core/data-dir';
import { loadSettings } from '../core/settings-store';
import { SceneGraphConflictError } from '../engine/conditioning/plan';
import { Engine } from '../engine/engine';
import { ModelError } from '../engine/model/model-error';
import { ImageError } from '../images/image-error';
import { loadTokenizer } from '../engine/text/load-tokenizer';
import { ProviderProbe } from '../inference/provider-probe';
import { CLI_USAGE, CliArgsError, EXIT, parseCliArgs } from './cli-args';

/** `npm run -s cli -- …`: the engine without the studio, for scripts and headless machines. */
async function main(argv: readonly string[]): Promise<number> {
  const command = parseCliArgs(argv);
  if (command.command === 'help') {
    console.log(CLI_USAGE);
    return 0;
  }
  if (command.command === 'tokenize') {
    if (!existsSync(command.tokenizer)) throw new CliArgsError(`No tokenizer folder at ${command.tokenizer}`);
    const { tokenizer } = await loadTokenizer(command.tokenizer);
    console.log(JSON.stringify(tokenizer.encode(command.text)));
    return 0;
  }
  const root = join(__dirname, '..', '..');
  const dataDir = defaultDataDir();
  const library = defaultLibrary(dataDir, join(root, 'models'), loadSettings(settingsFile(dataDir)).settings);
  if (command.command === 'models') return runModelsCommand(command, library);
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const probe = new ProviderProbe(join(root, 'models', 'probe', 'add-one.onnx'), () => undefined);
  const targets = outputsOf(command.out, command.request.batchCount ?? 1);
  const existing = targets.flatMap((t) => [t.png, t.sidecar]).filter((path) => existsSync(path));
  if (existing.length > 0 && !command.force) throw new CliArgsError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; choose another --out or add --force to replace`);
  const engine = new Engine({ platform: process.platform, version, cacheDir: library.cacheDir, probedProviders: () => probe.report(false) });
  const models = new ModelLibrary(library.models);
  const model = await modelFolder(command.request.model, models, '--model');
  const experts = command.request.experts && (await Promise.all(command.request.experts.map(async (e) => ({ ...e, model: await modelFolder(e.model, models, '--expert') }))));
  const result = await engine.run({ ...command.request, model, ...(experts ? { experts } : {}) }, {
    onProgress: ({ image, images, step, steps }) => void process.stderr.write(`\rimage ${image + 1}/${images} step ${step}/${steps}`),
    previewIntervalMs: Infinity,
  });
  process.stderr.write('\n');
  await engine.release();
  const images = [];
  for (const [index, image] of result.images.entries()) {
    const { png, sidecar } = targets[index]!;
    await rename(image.sidecar, sidecar);
    await rename(image.path, png);
    images.push({ ...image, path: png, sidecar });
  }
  if (command.json) {
    console.log(JSON.stringify({ ...result, images }, null, 2));
    return EXIT.ok;
  }
  for (const image of images) console.log(`${image.path} (seed ${image.seed}, ${image.width}x${image.height})`);
  console.log(`${result.family} on ${Object.entries(result.providers).map(([part, provider]) => `${part}: ${provider}`).join(', ')}`);
  console.log(`spatial control: ${result.spatialControl} (${result.spatialReason})`);
  for (const expert of result.experts ?? []) console.log(`${expert.model}: ${expert.steps[1] > expert.steps[0] ? `steps ${expert.steps[0] + 1}-${expert.steps[1]}` : 'no steps'}${expert.loadMs > 0 ? `, loaded in ${(expert.loadMs / 1000).toFixed(1)} s` : ''}`);
  if (result.layout.length > 0) console.log(`layout: ${result.layout.map((b) => `${b.label} at ${[b.rect.x, b.rect.y, b.rect.width, b.rect.height].map((v) => v.toFixed(3)).join(',')}`).join('; ')}`);
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
  return EXIT.ok;
}

/** Where image i of a batch goes: FILE.png, FILE-2.png, … each with its .json. */
function outputsOf(out: string, count: number): { png: string; sidecar: string }[] {
  return Array.from({ length: count }, (_, index) => {
    const png = index === 0 ? out : out.replace(/\.png$/i, `-${index + 1}.png`);
    return { png, sidecar: png.replace(/\.png$/i, '.json') };
  });
}

/** A folder as given, else a library id. */
async function modelFolder(model: string, library: ModelLibrary, flag: string): Promise<string> {
  const asPath = resolve(model);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) return asPath;
  if (!ModelId.safeParse(model).success) throw new CliArgsError(`${flag}: ${model} is neither a folder nor a library id`);
  return (await library.resolve(model)).folder;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliArgsError) {
      console.error(`${error.message}\n\n${CLI_USAGE}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof SceneGraphConflictError) {
      console.error(error.message);
      process.exit(EXIT.sceneGraphConflict);
    }
    if (error instanceof LibraryError) {
      console.error(error.message);
      process.exit(EXIT.failed);
    }
    console.error(error instanceof ModelError ? `Model error: ${error.message}` : error instanceof ImageError ? `Image error: ${error.message}` : error instanceof Error ? error.message : String(error));
    process.exit(EXIT.failed);
  },
);
