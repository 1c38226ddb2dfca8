import { useEffect, useState } from 'react';
import type { GenerationState } from '../generation/use-generation';

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** A clock that ticks while `on`, so elapsed time moves between steps. */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}

/** What the run is doing now: loading, each step with elapsed time and time left, then how it ended. */
export function GenerationStatus({ generation }: { readonly generation: GenerationState }) {
  const { phase, progress, preview, error, warnings, providers, startedAt, lastStepAt, running } = generation;
  const now = useNow(running);
  const elapsed = startedAt ? now - startedAt : 0;
  // Steps done so far across the batch, and the time they took since the first step began.
  const done = progress ? progress.image * progress.steps + progress.step : 0;
  const total = progress ? progress.images * progress.steps : 0;
  const left = progress && lastStepAt && startedAt && done > 0 ? ((lastStepAt - startedAt) / done) * (total - done) - (now - lastStepAt) : null;
  return (
    <div className="generation-status" aria-live="polite">
      {phase === 'loading' && (
        <p data-testid="generation-phase" data-phase="loading">
          Loading the model… {seconds(elapsed)}
        </p>
      )}
      {phase === 'preparing' && (
        <p data-testid="generation-phase" data-phase="preparing">
          Encoding the prompt (and patching the UNet for regions)… {seconds(elapsed)}
        </p>
      )}
      {progress && (
        <div data-testid="generation-progress" data-step={progress.step} data-steps={progress.steps}>
          <progress max={progress.steps} value={progress.step} aria-label="Steps done" />
          <span>
            Image {progress.image + 1}/{progress.images}, step {progress.step}/{progress.steps} · {seconds(elapsed)}
            {left !== null ? ` · about ${seconds(left)} left` : ''}
          </span>
          {preview && <img className="preview" data-testid="preview" src={preview} alt="Preview of the image being generated" />}
        </div>
      )}
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
