import type { ProviderReport } from '../../../app/contract/providers';

interface Props {
  readonly providers: readonly ProviderReport[];
  readonly onReprobe: () => void;
}

/** The model library (filled by the model manager) and what this machine can run models on. */
export function ModelsPanel({ providers, onReprobe }: Props) {
  return (
    <section className="panel" aria-label="Models">
      <h2>Models</h2>
      <p className="empty">No models in the library yet.</p>
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
