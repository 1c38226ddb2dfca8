import type { KeyboardEvent, ReactNode } from 'react';
import { SAMPLER_LABELS, type SamplerName } from '../../../app/contract/generation';
import type { ModelListing, RunDefaults } from '../../../app/contract/models';
import { ExecutionProviderName, type ProviderReport } from '../../../app/contract/providers';
import { resolvedNumbers, RunSchedule, type RunOverrides } from '../../../app/document/run-settings';
import { useNextRun } from '../generation/use-next-run';
import { sizePresets } from '../../../app/domain/size-presets';
import { randomSeed } from '../generation/recall';
import type { GenerationState } from '../generation/use-generation';
import { editorStore, setLive, setRun, useEditor } from '../document/editor-store';
import { GenerationStatus } from './GenerationStatus';
import { PromptEditor } from './PromptEditor';
import type { StudioClient } from '../connection/studio-client';
import { useTokenizer } from '../generation/use-tokenizer';
import { StartFromField } from './StartFromField';
import { ExpertsField } from './ExpertsField';
import { ModelOptions } from './ModelOptions';
import { useMemoryEstimate } from '../generation/use-memory-estimate';
import type { MemoryEstimate } from '../../../app/contract/studio';
import { formatBytes } from '../../../app/domain/units';


interface Props {
  readonly listing: ModelListing;
  readonly providers: readonly ProviderReport[];
  readonly generation: GenerationState;
  /** Reads the chosen model's tokenizer for the token view. */
  readonly client: StudioClient;
}

/**
 * Prompt, negative prompt and the settings of a run, all kept in the
 * editor's store (a project saves them with its document); Generate
 * (Ctrl+Enter) turns into Cancel (Esc) while it runs. A number the user
 * never set shows the chosen model's default. The seed shown is the one the
 * next run takes: with "New seed each run" another is drawn after each run.
 */
export function PromptPanel({ listing, providers, generation, client }: Props) {
  const usable = listing.models.filter((m) => m.problem === null);
  const { run, model: selected, settings, fieldErrors: typedErrors } = useNextRun(listing);
  const shown: Partial<RunDefaults> = selected?.defaults ? resolvedNumbers(run, selected.defaults) : run.overrides;
  const tokenizer = useTokenizer(client, selected?.id ?? null);
  const override = (change: RunOverrides) => setRun({ overrides: { ...run.overrides, ...change } });
  const presets = selected?.nativeSize ? sizePresets(selected.nativeSize) : [];
  const { running, generate, cancel } = generation;
  const live = useEditor((s) => s.live);
  // Checked as typed, in the contract's words; what main refused of the last run shows while the field holds the refused value.
  const refused = Object.entries(generation.fieldErrors).flatMap(([field, e]) => (settings && (settings as Record<string, unknown>)[field] === e.value ? [[field, e.message] as const] : []));
  const fieldErrors: Readonly<Record<string, string>> = { ...Object.fromEntries(refused), ...typedErrors };
  const memory = useMemoryEstimate(client, Object.keys(typedErrors).length === 0 ? settings : null);
  const fitsInMemory = memory === null || memory.weightsBytes + memory.runBytes <= memory.availableBytes;
  const runnable = settings !== null && Object.keys(typedErrors).length === 0 && fitsInMemory;

  const start = () => {
    if (!settings || !runnable || running) return;
    void generate(settings).then((result) => {
      // Live mode keeps the seed: a new one would redraw over the results just made.
      if (result && editorStore.getState().run.newSeedEachRun && !editorStore.getState().live) setRun({ seed: randomSeed() });
    });
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
  const numberInput = (label: string, name: string, value: number | undefined, set: (v: number) => void, props: { min: number; max: number; step: number }) =>
    field(
      label,
      name,
      <input
        type="number"
        data-testid={name === 'cfgScale' ? 'cfg' : name === 'batchCount' ? 'batch' : name}
        value={value ?? ''}
        disabled={value === undefined}
        min={props.min}
        max={props.max}
        step={props.step}
        aria-invalid={fieldErrors[name] ? true : undefined}
        aria-describedby={fieldErrors[name] ? `${name}-error` : undefined}
        onChange={(e) => set(Number(e.target.value))}
      />,
    );
  const preset = presets.find((p) => p.width === shown.width && p.height === shown.height);

  return (
    <section className="panel prompt-panel" aria-label="Prompt" onKeyDown={onKeyDown}>
      <h2>Prompt</h2>
      <label>
        <span>Model</span>
        <select data-testid="model" value={selected?.id ?? ''} onChange={(e) => setRun({ model: e.target.value })} disabled={usable.length === 0}>
          {usable.length === 0 && <option value="">No models in the library</option>}
          <ModelOptions models={usable} />
        </select>
      </label>
      <PromptEditor tokenizer={tokenizer} />
      <label>
        <span>Negative prompt</span>
        <textarea data-testid="negative-prompt" rows={2} value={run.negativePrompt} onChange={(e) => setRun({ negativePrompt: e.target.value })} placeholder="blurry, low quality" spellCheck={false} />
      </label>
      <div className="field-grid">
        {field(
          'Sampler',
          'sampler',
          <select
            data-testid="sampler"
            value={shown.sampler ?? ''}
            onChange={(e) => override({ sampler: e.target.value as SamplerName })}
          >
            {Object.entries(SAMPLER_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>,
        )}
        {field(
          'Schedule',
          'schedule',
          <select data-testid="schedule" value={run.schedule} onChange={(e) => setRun({ schedule: RunSchedule.parse(e.target.value) })} title="The model's own follows its scheduler config, as diffusers does; Karras is A1111's">
            <option value="model">Model's own</option>
            <option value="karras">Karras</option>
          </select>,
        )}
        {numberInput('Steps', 'steps', shown.steps, (v) => override({ steps: v }), { min: 1, max: 200, step: 1 })}
        {numberInput('CFG', 'cfgScale', shown.cfgScale, (v) => override({ cfgScale: v }), { min: 0, max: 30, step: 0.5 })}
        {field(
          'Seed',
          'seed',
          <span className="seed">
            <input type="number" data-testid="seed" aria-label="Seed" value={run.seed} min={0} max={4294967295} onChange={(e) => setRun({ seed: Number(e.target.value) })} title="The seed the next run takes" />
          </span>,
        )}
        <label className="check field">
          <input type="checkbox" data-testid="random-seed" checked={run.newSeedEachRun} onChange={(e) => setRun({ newSeedEachRun: e.target.checked })} /> New seed each run
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
        {numberInput('Width', 'width', shown.width, (v) => override({ width: v }), { min: 64, max: 4096, step: 8 })}
        {numberInput('Height', 'height', shown.height, (v) => override({ height: v }), { min: 64, max: 4096, step: 8 })}
        {numberInput('Batch count', 'batchCount', run.batchCount, (batchCount) => setRun({ batchCount }), { min: 1, max: 64, step: 1 })}
        {field(
          'Run on',
          'provider',
          <select data-testid="provider-choice" value={run.provider ?? ''} onChange={(e) => setRun({ provider: e.target.value ? ExecutionProviderName.parse(e.target.value) : null })}>
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
      <ExpertsField usable={usable} model={selected} steps={shown.steps} error={fieldErrors.experts ?? fieldErrors.aesthetic} />
      <div className="run-buttons">
        {running ? (
          <button type="button" className="primary" data-testid="cancel" onClick={cancel} title="Cancel (Esc)">
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" data-testid="generate" disabled={!runnable} onClick={start} title="Generate (Ctrl+Enter)">
            Generate
          </button>
        )}
        <button type="button" aria-pressed={live} onClick={() => setLive(!live)} title="Live mode: every edit redraws, keeping the seed (Alt+L)">
          Live
        </button>
      </div>
      {memory && <MemoryNeeded estimate={memory} />}
      <GenerationStatus generation={generation} />
    </section>
  );
}

/** The memory the next run needs, said before it runs; past what there is, why Generate waits and what size fits. */
function MemoryNeeded({ estimate }: { readonly estimate: MemoryEstimate }) {
  const { weightsBytes, runBytes, availableBytes, largestSide, device } = estimate;
  const needed = `about ${formatBytes(weightsBytes + runBytes)} (${formatBytes(weightsBytes)} of weights, ${formatBytes(runBytes)} for this size)`;
  const there = device === 'ram' ? `this machine has ${formatBytes(availableBytes)}` : 'the device\'s own memory decides';
  if (weightsBytes + runBytes <= availableBytes) {
    return (
      <p className="hint" data-testid="memory-estimate">
        Needs {needed}; {there}.
      </p>
    );
  }
  return (
    <p className="field-error" data-testid="memory-estimate" role="alert">
      Too large for this machine: needs {needed}, {there}. {largestSide ? `Sizes up to about ${largestSide}×${largestSide} fit.` : 'The model alone does not fit.'}
    </p>
  );
}
