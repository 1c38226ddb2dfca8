import { DEFAULT_AESTHETIC_SCORES } from '../../../app/contract/generation';
import type { ModelEntry } from '../../../app/contract/models';
import type { RunExpert } from '../../../app/document/run-settings';
import { setRun, useEditor } from '../document/editor-store';
import { ModelOptions } from './ModelOptions';

interface Props {
  /** The models that can run. */
  readonly usable: readonly ModelEntry[];
  /** The run's own model, which the first expert takes over from. */
  readonly model: ModelEntry | undefined;
  /** The run's steps, for the step each switch falls on. */
  readonly steps: number | undefined;
  /** What the contract says is wrong with the experts or the aesthetic scores. */
  readonly error: string | undefined;
}

const DEFAULT_SWITCH = 0.8;

/**
 * Experts (eDiff-I's ensemble of expert denoisers; the SDXL refiner): models
 * that take over the later, low-noise steps of the run, each from a point of
 * the schedule set on a slider. The step shown is where the switch falls on
 * an evenly spaced schedule; the run's result says the exact steps each took.
 * A refiner's aesthetic scores show when a refiner is in the run.
 */
export function ExpertsField({ usable, model, steps, error }: Props) {
  const experts = useEditor((s) => s.run.experts);
  const aesthetic = useEditor((s) => s.run.aesthetic) ?? DEFAULT_AESTHETIC_SCORES;
  const set = (next: readonly RunExpert[]) => setRun({ experts: [...next] });
  const change = (index: number, patch: Partial<RunExpert>) => set(experts.map((e, i) => (i === index ? { ...e, ...patch } : e)));
  const familyOf = (id: string) => usable.find((m) => m.id === id)?.family;
  const refinerInRun = [model?.id, ...experts.map((e) => e.model)].some((id) => id !== undefined && familyOf(id) === 'sdxl-refiner');
  const add = () => {
    const refiner = usable.find((m) => m.family === 'sdxl-refiner' && m.id !== model?.id) ?? usable.find((m) => m.id !== model?.id) ?? usable[0];
    const after = experts.at(-1)?.switchAt;
    if (refiner) set([...experts, { model: refiner.id, switchAt: after === undefined ? DEFAULT_SWITCH : Math.min(0.95, Math.round((after + 1) * 10) / 20) }]);
  };

  return (
    <fieldset className="experts">
      <legend>Experts</legend>
      {experts.length === 0 && <p className="hint">Hand the last, low-noise steps to another model, such as an SDXL refiner.</p>}
      {experts.map((expert, index) => {
        const name = `Expert ${index + 1}`;
        const from = steps ? Math.min(steps, Math.floor(expert.switchAt * steps) + 1) : null;
        return (
          <div className="expert" key={index}>
            <label className="field">
              <span>{name}</span>
              <select aria-label={name} value={expert.model} onChange={(e) => change(index, { model: e.target.value })}>
                <ModelOptions models={usable} />
              </select>
            </label>
            <button type="button" aria-label={`Remove ${name.toLowerCase()}`} onClick={() => set(experts.filter((_, i) => i !== index))}>
              Remove
            </button>
            <label className="field switch">
              <span>Switches in at</span>
              <input
                type="range"
                aria-label={`${name} switches in at`}
                aria-valuetext={`${expert.switchAt.toFixed(2)} of the schedule${from ? `, from about step ${from} of ${steps}` : ''}`}
                min={0.05}
                max={0.95}
                step={0.05}
                value={expert.switchAt}
                onChange={(e) => change(index, { switchAt: Number(e.target.value) })}
              />
              <output>
                {expert.switchAt.toFixed(2)}
                {from ? ` · from about step ${from} of ${steps}` : ''}
              </output>
            </label>
          </div>
        );
      })}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
      {experts.length < 3 && (
        <button type="button" onClick={add} disabled={usable.length === 0}>
          Add an expert
        </button>
      )}
      {refinerInRun && (
        <div className="field-grid">
          <label className="field">
            <span>Aesthetic score</span>
            <input type="number" aria-label="Aesthetic score" min={0} max={10} step={0.5} value={aesthetic.positive} onChange={(e) => setRun({ aesthetic: { ...aesthetic, positive: Number(e.target.value) } })} title="The SDXL refiner's aesthetic conditioning (diffusers' default 6)" />
          </label>
          <label className="field">
            <span>Negative aesthetic score</span>
            <input type="number" aria-label="Negative aesthetic score" min={0} max={10} step={0.5} value={aesthetic.negative} onChange={(e) => setRun({ aesthetic: { ...aesthetic, negative: Number(e.target.value) } })} title="For the unconditional half (diffusers' default 2.5)" />
          </label>
        </div>
      )}
    </fieldset>
  );
}
