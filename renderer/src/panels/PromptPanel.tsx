import { useEffect, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { GenerationSettings, SamplerName } from '../../../app/contract/generation';
import type { ModelListing, RunDefaults } from '../../../app/contract/models';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import { sizePresets } from '../../../app/domain/size-presets';
import { randomSeed, type PanelPreset } from '../generation/recall';
import type { GenerationState } from '../generation/use-generation';
import { setLayoutSeed, setPrompt, useEditor } from '../document/editor-store';
import { GenerationStatus } from './GenerationStatus';
import { PromptEditor } from './PromptEditor';
import type { StudioClient } from '../connection/studio-client';
import { useTokenizer } from '../generation/use-tokenizer';
import { StartFromField } from './StartFromField';

const SAMPLERS: readonly [SamplerName, string][] = [
  ['dpmpp_2m', 'DPM++ 2M'],
  ['euler', 'Euler'],
  ['euler_ancestral', 'Euler a'],
  ['ddim', 'DDIM'],
  ['lcm', 'LCM'],
];

function recalledOverrides(initial: PanelPreset | undefined): Partial<RunDefaults> {
  if (!initial) return {};
  const { steps, cfgScale, sampler, width, height } = initial;
  return Object.fromEntries(Object.entries({ steps, cfgScale, sampler, width, height }).filter(([, v]) => v !== undefined));
}

/** Used until a model's own defaults are known. */
const FALLBACK: RunDefaults = { steps: 25, cfgScale: 7, sampler: 'dpmpp_2m', width: 512, height: 512 };

interface Props {
  readonly listing: ModelListing;
  readonly providers: readonly ProviderReport[];
  readonly generation: GenerationState;
  /** Reads the chosen model's tokenizer for the token view. */
  readonly client: StudioClient;
  /** Recalled settings to start from (a result's "Use these settings"). */
  readonly initial?: PanelPreset | undefined;
}

/**
 * Prompt, negative prompt and the settings of a run; Generate (Ctrl+Enter)
 * turns into Cancel (Esc) while it runs. Choosing a model fills in its
 * defaults (size, steps, CFG, sampler) except what the user changed.
 */
export function PromptPanel({ listing, providers, generation, initial, client }: Props) {
  const usable = listing.models.filter((m) => m.problem === null);
  const [model, setModel] = useState(initial?.model ?? '');
  const prompt = useEditor((s) => s.prompt);
  // A recalled result brings its prompt; the prompt lives in the editor's store, where the canvas binds its words.
  useEffect(() => {
    if (initial?.prompt !== undefined) setPrompt(initial.prompt);
  }, [initial]);
  const [negative, setNegative] = useState(initial?.negativePrompt ?? '');
  const [seed, setSeed] = useState(() => initial?.seed ?? randomSeed());
  // Scene graphs are laid out per seed: the canvas shows the layout of the seed the next (or last) run uses.
  useEffect(() => setLayoutSeed(seed), [seed]);
  const [randomEachRun, setRandomEachRun] = useState(initial?.seed === undefined);
  // What the user set themselves (or recalled); every other field shows the chosen model's default.
  const [overrides, setOverrides] = useState<Partial<RunDefaults>>(() => recalledOverrides(initial));
  const [karras, setKarras] = useState(initial?.karras ?? false);
  const [batchCount, setBatchCount] = useState(1);
  const [provider, setProvider] = useState<ExecutionProviderName | ''>('');
  const selected = usable.find((m) => m.id === model) ?? usable.find((m) => m.id === listing.defaultId) ?? usable[0];
  const { steps, cfgScale, sampler, width, height } = { ...FALLBACK, ...selected?.defaults, ...overrides };
  const tokenizer = useTokenizer(client, selected?.id ?? null);
  const override = (change: Partial<RunDefaults>) => setOverrides((o) => ({ ...o, ...change }));
  const presets = selected?.nativeSize ? sizePresets(selected.nativeSize) : [];
  const { running, generate, cancel, fieldErrors } = generation;

  const settingsWith = (runSeed: number): GenerationSettings | null =>
    selected
      ? {
          model: selected.id,
          prompt,
          negativePrompt: negative,
          seed: runSeed,
          steps,
          cfgScale,
          sampler,
          ...(karras && sampler !== 'lcm' ? { schedule: 'karras' as const } : {}),
          width,
          height,
          batchCount,
          ...(provider ? { provider } : {}),
        }
      : null;
  const start = () => {
    const runSeed = randomEachRun ? randomSeed() : seed;
    setSeed(runSeed);
    const settings = settingsWith(runSeed);
    if (settings && !running) generate(settings);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) start();
    else if (event.key === 'Escape' && running) cancel();
  };

  const field = (label: string, name: string, control: ReactNode) => (
    <label className="field">
      <span>{label}</span>
      {control}
      {fieldErrors[name] && (
        <small className="field-error" id={`${name}-error`} role="alert">
          {fieldErrors[name]}
        </small>
      )}
    </label>
  );
  const numberInput = (label: string, name: string, value: number, set: (v: number) => void, props: { min: number; max: number; step: number }) =>
    field(
      label,
      name,
      <input
        type="number"
        data-testid={name === 'cfgScale' ? 'cfg' : name === 'batchCount' ? 'batch' : name}
        value={value}
        min={props.min}
        max={props.max}
        step={props.step}
        aria-invalid={fieldErrors[name] ? true : undefined}
        aria-describedby={fieldErrors[name] ? `${name}-error` : undefined}
        onChange={(e) => set(Number(e.target.value))}
      />,
    );
  const preset = presets.find((p) => p.width === width && p.height === height);

  return (
    <section className="panel prompt-panel" aria-label="Prompt" onKeyDown={onKeyDown}>
      <h2>Prompt</h2>
      <label>
        <span>Model</span>
        <select data-testid="model" value={selected?.id ?? ''} onChange={(e) => setModel(e.target.value)} disabled={usable.length === 0}>
          {usable.length === 0 && <option value="">No models in the library</option>}
          {usable.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({m.family})
            </option>
          ))}
        </select>
      </label>
      <PromptEditor tokenizer={tokenizer} />
      <label>
        <span>Negative prompt</span>
        <textarea data-testid="negative-prompt" rows={2} value={negative} onChange={(e) => setNegative(e.target.value)} placeholder="blurry, low quality" spellCheck={false} />
      </label>
      <div className="field-grid">
        {field(
          'Sampler',
          'sampler',
          <select
            data-testid="sampler"
            value={sampler}
            onChange={(e) => override({ sampler: e.target.value as SamplerName })}
          >
            {SAMPLERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>,
        )}
        {field(
          'Schedule',
          'schedule',
          <select data-testid="schedule" value={karras ? 'karras' : ''} onChange={(e) => setKarras(e.target.value === 'karras')} title="The model's own follows its scheduler config, as diffusers does; Karras is A1111's">
            <option value="">Model's own</option>
            <option value="karras">Karras</option>
          </select>,
        )}
        {numberInput('Steps', 'steps', steps, (v) => override({ steps: v }), { min: 1, max: 200, step: 1 })}
        {numberInput('CFG', 'cfgScale', cfgScale, (v) => override({ cfgScale: v }), { min: 0, max: 30, step: 0.5 })}
        {field(
          'Seed',
          'seed',
          <span className="seed">
            <input type="number" data-testid="seed" aria-label="Seed" value={seed} min={0} max={4294967295} disabled={randomEachRun} onChange={(e) => setSeed(Number(e.target.value))} />
          </span>,
        )}
        <label className="check field">
          <input type="checkbox" data-testid="random-seed" checked={randomEachRun} onChange={(e) => setRandomEachRun(e.target.checked)} /> New seed each run
        </label>
      </div>
      {presets.length > 0 &&
        field(
          'Size',
          'size',
          <select
            data-testid="size-preset"
            value={preset ? `${preset.width}x${preset.height}` : 'custom'}
            onChange={(e) => {
              const [w, h] = e.target.value.split('x').map(Number);
              if (w && h) override({ width: w, height: h });
            }}
          >
            {presets.map((p) => (
              <option key={p.label} value={`${p.width}x${p.height}`}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom</option>
          </select>,
        )}
      <StartFromField />
      <div className="field-grid">
        {numberInput('Width', 'width', width, (v) => override({ width: v }), { min: 64, max: 4096, step: 8 })}
        {numberInput('Height', 'height', height, (v) => override({ height: v }), { min: 64, max: 4096, step: 8 })}
        {numberInput('Batch count', 'batchCount', batchCount, setBatchCount, { min: 1, max: 64, step: 1 })}
        {field(
          'Run on',
          'provider',
          <select data-testid="provider-choice" value={provider} onChange={(e) => setProvider(e.target.value as ExecutionProviderName | '')}>
            <option value="">Best available</option>
            {providers
              .filter((p) => p.usable)
              .map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
          </select>,
        )}
      </div>
      {running ? (
        <button type="button" className="primary" data-testid="cancel" onClick={cancel} title="Cancel (Esc)">
          Cancel
        </button>
      ) : (
        <button type="button" className="primary" data-testid="generate" disabled={!selected} onClick={start} title="Generate (Ctrl+Enter)">
          Generate
        </button>
      )}
      <GenerationStatus generation={generation} />
    </section>
  );
}
