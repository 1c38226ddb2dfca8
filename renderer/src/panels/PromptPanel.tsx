import { useState, type KeyboardEvent } from 'react';
import type { GenerationSettings, SamplerName } from '../../../app/contract/generation';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import type { ModelListing } from '../../../app/contract/models';
import type { GenerationState } from '../generation/use-generation';

const SAMPLERS: readonly [SamplerName, string][] = [
  ['dpmpp_2m', 'DPM++ 2M'],
  ['euler', 'Euler'],
  ['euler_ancestral', 'Euler a'],
  ['ddim', 'DDIM'],
  ['lcm', 'LCM'],
];
const randomSeed = () => Math.floor(Math.random() * 2 ** 32);

interface Props {
  readonly listing: ModelListing;
  readonly providers: readonly ProviderReport[];
  readonly generation: GenerationState;
}

/** Prompt, negative prompt and the settings of a run; Generate (Ctrl+Enter) turns into Cancel (Esc) while it runs. */
export function PromptPanel({ listing, providers, generation }: Props) {
  const usable = listing.models.filter((m) => m.problem === null);
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  const [seed, setSeed] = useState(() => randomSeed());
  const [steps, setSteps] = useState(25);
  const [cfgScale, setCfgScale] = useState(7);
  const [sampler, setSampler] = useState<SamplerName>('dpmpp_2m');
  const [karras, setKarras] = useState(false);
  const [width, setWidth] = useState(512);
  const [height, setHeight] = useState(512);
  const [provider, setProvider] = useState<ExecutionProviderName | ''>('');
  const selected = usable.find((m) => m.id === model) ?? usable.find((m) => m.id === listing.defaultId) ?? usable[0];

  const settings: GenerationSettings | null = selected
    ? { model: selected.id, prompt, negativePrompt: negative, seed, steps, cfgScale, sampler, ...(karras && sampler !== 'lcm' ? { schedule: 'karras' as const } : {}), width, height, ...(provider ? { provider } : {}) }
    : null;
  const { running, generate, cancel } = generation;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && settings && !running) generate(settings);
    else if (event.key === 'Escape' && running) cancel();
  };

  const numberInput = (label: string, value: number, set: (v: number) => void, props: { min: number; max: number; step: number; testId: string }) => (
    <label className="field">
      <span>{label}</span>
      <input type="number" data-testid={props.testId} value={value} min={props.min} max={props.max} step={props.step} onChange={(e) => set(Number(e.target.value))} />
    </label>
  );

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
      <label>
        <span>Prompt</span>
        <textarea data-testid="prompt" rows={5} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="a red fox in a snowy forest, golden hour" spellCheck={false} />
      </label>
      <label>
        <span>Negative prompt</span>
        <textarea data-testid="negative-prompt" rows={2} value={negative} onChange={(e) => setNegative(e.target.value)} placeholder="blurry, low quality" spellCheck={false} />
      </label>
      <div className="field-grid">
        <label className="field">
          <span>Sampler</span>
          <select data-testid="sampler" value={sampler} onChange={(e) => setSampler(e.target.value as SamplerName)}>
            {SAMPLERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Schedule</span>
          <select data-testid="schedule" value={karras ? 'karras' : ''} onChange={(e) => setKarras(e.target.value === 'karras')} title="The model's own follows its scheduler config, as diffusers does; Karras is A1111's">
            <option value="">Model's own</option>
            <option value="karras">Karras</option>
          </select>
        </label>
        {numberInput('Steps', steps, setSteps, { min: 1, max: 200, step: 1, testId: 'steps' })}
        {numberInput('CFG', cfgScale, setCfgScale, { min: 0, max: 30, step: 0.5, testId: 'cfg' })}
        <label className="field">
          <span>Seed</span>
          <span className="seed">
            <input type="number" data-testid="seed" value={seed} min={0} max={4294967295} onChange={(e) => setSeed(Number(e.target.value))} />
            <button type="button" title="New random seed" onClick={() => setSeed(randomSeed())}>
              ⟳
            </button>
          </span>
        </label>
        {numberInput('Width', width, setWidth, { min: 64, max: 2048, step: 64, testId: 'width' })}
        {numberInput('Height', height, setHeight, { min: 64, max: 2048, step: 64, testId: 'height' })}
        <label className="field">
          <span>Run on</span>
          <select data-testid="provider-choice" value={provider} onChange={(e) => setProvider(e.target.value as ExecutionProviderName | '')}>
            <option value="">Best available</option>
            {providers
              .filter((p) => p.usable)
              .map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
          </select>
        </label>
      </div>
      {running ? (
        <button type="button" className="primary" data-testid="cancel" onClick={cancel} title="Cancel (Esc)">
          Cancel
        </button>
      ) : (
        <button type="button" className="primary" data-testid="generate" disabled={!settings} onClick={() => settings && generate(settings)} title="Generate (Ctrl+Enter)">
          Generate
        </button>
      )}
      <GenerationStatus generation={generation} />
    </section>
  );
}

function GenerationStatus({ generation }: { readonly generation: GenerationState }) {
  const { progress, preview, error, warnings, providers } = generation;
  return (
    <div className="generation-status">
      {progress && (
        <div data-testid="generation-progress" data-step={progress.step} data-steps={progress.steps}>
          <progress max={progress.steps} value={progress.step} />
          <span>
            Image {progress.image + 1}/{progress.images}, step {progress.step}/{progress.steps}
          </span>
          {preview && <img className="preview" data-testid="preview" src={preview} alt="Preview of the image being generated" />}
        </div>
      )}
      {error && (
        <p className="status-error" data-testid="generation-error">
          {error}
        </p>
      )}
      {Object.keys(providers).length > 0 && (
        <p className="ran-on" data-testid="ran-on">
          Ran on {Object.entries(providers).map(([part, name]) => `${part.replace('_', ' ')}: ${name}`).join(', ')}
        </p>
      )}
      {warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
    </div>
  );
}
