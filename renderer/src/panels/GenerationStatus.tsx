import type { GenerationState } from '../generation/use-generation';

/** How the last run ended: cancelled, its error, where it ran, which expert took which steps, and its warnings (its progress is shown on the canvas while it runs). */
export function GenerationStatus({ generation }: { readonly generation: GenerationState }) {
  const { phase, error, warnings, providers, experts } = generation;
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
      {experts.length > 0 && (
        <p className="ran-on" data-testid="experts-ran">
          {experts.map((e) => `${e.model}: ${e.steps[1] > e.steps[0] ? `steps ${e.steps[0] + 1}–${e.steps[1]}` : 'no steps'}`).join(' · ')}
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
