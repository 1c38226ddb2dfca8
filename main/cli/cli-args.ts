import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { DEFAULT_AESTHETIC_SCORES, FamilyId, GenerationRequest, SamplerName, SigmaScheduleName } from '../../app/contract/generation';
import { DownloadRequest, ModelId } from '../../app/contract/models';
import { ExecutionProviderName } from '../../app/contract/providers';
import { issuesOf } from '../../app/rpc/errors';
import { parseBoundedJson } from '../../app/domain/bounded-json';

export const CLI_USAGE = `Usage:
  npm run -s cli -- generate --model ID|DIR --prompt TEXT --out FILE.png [options]
  npm run -s cli -- tokenize --tokenizer DIR TEXT
  npm run -s cli -- models list [--json]
  npm run -s cli -- models import PATH [--in-place] [--id ID] [--name NAME]
  npm run -s cli -- models download OWNER/NAME [--revision R] [--subfolder S] [--variant fp16] [--id ID]
  npm run -s cli -- models verify ID
  npm run -s cli -- models remove ID

The library is WORDBRUSH_HOME/models (see docs/models.md); --model takes a library id
or a model folder. Downloads use HF_ENDPOINT (default https://huggingface.co)
and HF_TOKEN or the token stored in the studio; progress goes to stderr.

generate options:
  --negative TEXT       negative prompt
  --steps N             sampling steps (default: the model family's)
  --sampler NAME        euler | euler_ancestral | ddim | dpmpp_2m | lcm
  --schedule NAME       karras | spaced
  --cfg X               classifier-free guidance scale
  --seed N              seed, a decimal whole number 0 to 4294967295 (default 0)
  --width W --height H  size in pixels, multiples of 8
  --batch N             images, seeds seed..seed+N-1
  --init IMAGE.png      img2img start image; --strength X (0 < X <= 1, default 0.75)
  --mask MASK.png       inpainting mask (white repaints); needs --init
  --conditioning FILE   regions, layout boxes or a scene graph (JSON, see docs/spatial-conditioning.md);
                        mask image paths in it are relative to the file
  --expert ID|DIR@F     an expert that takes over at fraction F of the schedule (0 < F < 1; diffusers'
                        denoising_start, A1111's "Refiner switch at"), e.g. an SDXL refiner @0.8;
                        ID|DIR@sigma=S switches at noise level S instead; repeat for more experts, in order
  --aesthetic X         the SDXL refiner's aesthetic score (default 6); --negative-aesthetic Y (default 2.5)
  --family NAME         ${FamilyId.options.join(' | ')} (default: detected)
  --provider NAME       cpu | webgpu | cuda | dml | coreml (default: best available)
  --json                print the whole result as JSON on stdout (progress stays on stderr)
  --force               replace FILE.png and FILE.json (and a batch's FILE-2.png…) if they exist;
                        without it an existing file is an error and nothing runs

Exit status:
  0  the images were written
  1  the model cannot run the request (the message says what is wrong)
  2  bad arguments (the usage follows the message)
  3  the scene graph's relations cannot all hold (the message names the ones that conflict)
  4  models verify found files that differ from the manifest`;

/** The CLI's exit statuses, as CLI_USAGE documents them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, sceneGraphConflict: 3, verifyMismatch: 4 } as const;

export class CliArgsError extends Error {}

export type CliCommand =
  | { readonly command: 'help' }
  | { readonly command: 'tokenize'; readonly tokenizer: string; readonly text: string }
  | { readonly command: 'generate'; readonly request: GenerationRequest; readonly out: string; readonly json: boolean; readonly force: boolean }
  | ModelsCommand;

export type ModelsCommand =
  | { readonly command: 'models'; readonly action: 'list'; readonly json: boolean }
  | { readonly command: 'models'; readonly action: 'import'; readonly path: string; readonly inPlace: boolean; readonly id?: string; readonly name?: string }
  | { readonly command: 'models'; readonly action: 'download'; readonly request: DownloadRequest }
  | { readonly command: 'models'; readonly action: 'verify' | 'remove'; readonly id: string };

const number = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new CliArgsError(`${flag} needs a number, got "${value}"`);
  return parsed;
};

/** Whole numbers in decimal digits only: "0x10", "1e3" or "12.0" are not seeds a person means. */
const decimal = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliArgsError(`${flag} needs a decimal whole number, got "${value}"`);
  return Number(value);
};

const choice = <T extends string>(flag: string, value: string | undefined, options: readonly T[]): T | undefined => {
  if (value === undefined) return undefined;
  if (!options.includes(value as T)) throw new CliArgsError(`${flag} must be one of ${options.join(', ')}; got "${value}"`);
  return value as T;
};

const STRING_NAMES = ['model', 'prompt', 'negative', 'steps', 'sampler', 'schedule', 'cfg', 'seed', 'width', 'height', 'batch', 'init', 'strength', 'mask', 'family', 'provider', 'conditioning', 'out', 'aesthetic', 'negative-aesthetic'] as const;
const STRING_OPTIONS = Object.fromEntries(STRING_NAMES.map((name) => [name, { type: 'string' }])) as Record<(typeof STRING_NAMES)[number], { type: 'string' }>;

/** Reads the CLI's arguments into a validated request; anything wrong is a CliArgsError saying what. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  try {
    if (command === 'tokenize') {
      const { values, positionals } = parseArgs({ args: rest, options: { tokenizer: { type: 'string' } }, allowPositionals: true, strict: true });
      if (!values.tokenizer) throw new CliArgsError('tokenize needs --tokenizer DIR');
      if (positionals.length === 0) throw new CliArgsError('tokenize needs the TEXT to tokenize');
      return { command: 'tokenize', tokenizer: values.tokenizer, text: positionals.join(' ') };
    }
    if (command === 'models') return parseModelsArgs(rest);
    if (command !== 'generate') throw new CliArgsError(`Unknown command "${command}"`);
    const { values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: { ...STRING_OPTIONS, expert: { type: 'string', multiple: true }, json: { type: 'boolean' }, force: { type: 'boolean' } },
    });
    if (positionals.length > 0) throw new CliArgsError(`Unexpected argument "${positionals[0]}"`);
    if (!values.model) throw new CliArgsError('generate needs --model ID or --model DIR');
    if (values.prompt === undefined) throw new CliArgsError('generate needs --prompt TEXT');
    if (!values.out) throw new CliArgsError('generate needs --out FILE.png');
    if (!values.out.toLowerCase().endsWith('.png')) throw new CliArgsError('--out must name a .png file');
    if (values.strength !== undefined && !values.init) throw new CliArgsError('--strength needs --init');
    const out = resolve(values.out);
    const candidate = {
      // A library id or a folder; the CLI resolves it against the library.
      model: values.model,
      prompt: values.prompt,
      negativePrompt: values.negative ?? '',
      steps: number('--steps', values.steps),
      sampler: choice('--sampler', values.sampler, SamplerName.options),
      schedule: choice('--schedule', values.schedule, SigmaScheduleName.options),
      cfgScale: number('--cfg', values.cfg),
      seed: decimal('--seed', values.seed) ?? 0,
      width: number('--width', values.width),
      height: number('--height', values.height),
      batchCount: number('--batch', values.batch) ?? 1,
      init: values.init ? { image: resolve(values.init), strength: number('--strength', values.strength) ?? 0.75 } : undefined,
      mask: values.mask ? resolve(values.mask) : undefined,
      family: choice('--family', values.family, FamilyId.options),
      provider: choice('--provider', values.provider, ExecutionProviderName.options),
      conditioning: values.conditioning ? readConditioning(values.conditioning) : undefined,
      experts: values.expert?.map(expertOf),
      aesthetic:
        values.aesthetic !== undefined || values['negative-aesthetic'] !== undefined
          ? { positive: number('--aesthetic', values.aesthetic) ?? DEFAULT_AESTHETIC_SCORES.positive, negative: number('--negative-aesthetic', values['negative-aesthetic']) ?? DEFAULT_AESTHETIC_SCORES.negative }
          : undefined,
      outputDir: dirname(out),
    };
    const request = GenerationRequest.safeParse(candidate);
    if (!request.success) {
      throw new CliArgsError(issuesOf(request.error).map((i) => `${flagOf(i.path)}: ${i.message}`).join('\n'));
    }
    return { command: 'generate', request: request.data, out, json: values.json === true, force: values.force === true };
  } catch (error) {
    if (error instanceof CliArgsError) throw error;
    // node:util parseArgs reports unknown or value-less options as TypeErrors with a clear message.
    throw new CliArgsError((error as Error).message);
  }
}

function parseModelsArgs(argv: readonly string[]): ModelsCommand {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, 'in-place': { type: 'boolean' }, id: { type: 'string' }, name: { type: 'string' }, revision: { type: 'string' }, subfolder: { type: 'string' }, variant: { type: 'string' } },
  });
  const one = (what: string) => {
    if (positionals.length !== 1) throw new CliArgsError(`models ${action} needs exactly one ${what}`);
    return positionals[0]!;
  };
  const id = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const parsed = ModelId.safeParse(value);
    if (!parsed.success) throw new CliArgsError(`${flag}: ${parsed.error.issues[0]!.message}`);
    return parsed.data;
  };
  switch (action) {
    case 'list':
      return { command: 'models', action, json: values.json === true };
    case 'import': {
      const wanted = id(values.id, '--id');
      return { command: 'models', action, path: resolve(one('PATH')), inPlace: values['in-place'] === true, ...(wanted ? { id: wanted } : {}), ...(values.name ? { name: values.name } : {}) };
    }
    case 'download': {
      const request = DownloadRequest.safeParse({ repo: one('OWNER/NAME repository'), revision: values.revision, subfolder: values.subfolder ?? null, variant: values.variant ?? null, id: values.id });
      if (!request.success) throw new CliArgsError(issuesOf(request.error).map((i) => `${i.path === 'repo' ? 'OWNER/NAME' : `--${i.path}`}: ${i.message}`).join('\n'));
      return { command: 'models', action, request: request.data };
    }
    case 'verify':
    case 'remove':
      return { command: 'models', action, id: id(one('model ID'), 'ID')! };
    default:
      throw new CliArgsError(action ? `Unknown models action "${action}"` : 'models needs an action: list, import, download, verify or remove');
  }
}

/** `MODEL@0.8` or `MODEL@sigma=1.5`: the model (a library id or a folder, resolved later) and where it takes over. */
function expertOf(value: string): { model: string; switchAt: { fraction: number } | { sigma: number } } {
  const at = value.lastIndexOf('@');
  if (at <= 0) throw new CliArgsError(`--expert needs MODEL@FRACTION (as sdxl-refiner@0.8) or MODEL@sigma=S; got "${value}"`);
  const point = value.slice(at + 1);
  const sigma = /^sigma=(.*)$/.exec(point);
  return { model: value.slice(0, at), switchAt: sigma ? { sigma: number('--expert sigma', sigma[1])! } : { fraction: number('--expert', point)! } };
}

/** Reads a conditioning file; painted masks named by path are taken relative to it. */
function readConditioning(path: string): unknown {
  let doc: { regions?: { mask?: { kind?: string; png?: string } }[] };
  try {
    doc = parseBoundedJson(readFileSync(path, 'utf8')) as typeof doc;
  } catch (error) {
    throw new CliArgsError(`--conditioning: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  for (const region of doc.regions ?? []) {
    if (region.mask?.kind === 'image' && region.mask.png && !region.mask.png.startsWith('data:')) region.mask.png = resolve(dirname(resolve(path)), region.mask.png);
  }
  return doc;
}

const FLAGS: Readonly<Record<string, string>> = {
  negativePrompt: '--negative',
  cfgScale: '--cfg',
  batchCount: '--batch',
  'init.strength': '--strength',
  'init.image': '--init',
  'aesthetic.positive': '--aesthetic',
  'aesthetic.negative': '--negative-aesthetic',
};
const flagOf = (path: string) => {
  const expert = /^experts\.(\d+)/.exec(path);
  if (expert) return `--expert ${Number(expert[1]) + 1} (where it switches)`;
  return FLAGS[path] ?? (path.startsWith('conditioning') ? `--conditioning (${path.slice('conditioning.'.length)})` : `--${path.split('.')[0]}`);
};
