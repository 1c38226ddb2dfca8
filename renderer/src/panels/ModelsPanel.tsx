import type { ProviderReport } from '../../../app/contract/providers';
import type { ModelEntry } from '../../../app/contract/studio';

interface Props {
  readonly models: readonly ModelEntry[];
  readonly providers: readonly ProviderReport[];
  readonly onReprobe: () => void;
}

/** The model library (filled by the model manager) and what this machine can run models on. */
export function ModelsPanel({ models, providers, onReprobe }: Props) {
  return (
    <section className="panel" aria-label="Models">
      <h2>Models</h2>
      {models.length === 0 && <p className="empty">No models in the library yet.</p>}
      <ul className="models" data-testid="models">
        {models.map((m) => (
          <li key={m.path} title={m.problem ?? m.path}>
            {m.name} <small>{m.family ?? 'unusable'}</small>
            {m.problem && <small className="bad"> — {m.problem}</small>}
          </li>
        ))}
      </ul>
      <h3>
        Execution providers
        <button type="button" className="link" onClick={onReprobe} data-testid="reprobe">
          Probe again
        </button>
      </h3>
      <ul className="providers" data-testid="providers">
        {providers.map((p) => (
          <li key={p.name} data-usable={p.usable} title={p.detail ?? ''}>
            <span className={p.usable ? 'ok' : 'bad'}>{p.usable ? '●' : '○'}</span> {p.name}
            {!p.usable && <small> — {p.detail ?? 'unusable'}</small>}
          </li>
        ))}
      </ul>
    </section>
  );
}
