import type { GenerationState } from '../generation/use-generation';

/** How the last run ended: cancelled, its error, where it ran and its warnings (its progress is shown on the canvas while it runs). */
export function GenerationStatus({ generation }: { readonly generation: GenerationState }) {
  const { phase, error, warnings, providers } = generation;
  return (
    <div className="generation-status" aria-live="polite">
      {phase === 'cancelled' && (
        <p data-testid="generation-phase" data-phase="cancelled">
          Cancelled
        </p>
      )}
      {error && (
        <p className="status-error" data-testid="generation-error" role="alert">
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
