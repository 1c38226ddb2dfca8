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

/**
 * The running generation where the eye is, at the top of the canvas: what it
 * is doing (loading, encoding, each step with elapsed time and time left),
 * its latest preview, and Cancel (Esc). Nothing while no run is going.
 */
export function RunProgress({ generation }: { readonly generation: GenerationState }) {
  const { phase, progress, optimising, preview, startedAt, lastStepAt, running, live, cancel } = generation;
  const now = useNow(running);
  if (!running) return null;
  const elapsed = startedAt ? now - startedAt : 0;
  // Steps done so far across the batch, and the time they took since the first step began.
  const done = progress ? progress.image * progress.steps + progress.step : 0;
  const total = progress ? progress.images * progress.steps : 0;
  const left = progress && lastStepAt && startedAt && done > 0 ? ((lastStepAt - startedAt) / done) * (total - done) - (now - lastStepAt) : null;
  return (
    <div className="run-progress" role="status" aria-label="Run progress" aria-live="polite">
      {live && (
        <span data-testid="generation-phase" data-phase="live">
          Live: drawing the last edit…
        </span>
      )}
      {!live && phase === 'loading' && (
        <span data-testid="generation-phase" data-phase="loading">
          {optimising ? 'Optimising the model for this machine (first time only)…' : 'Loading the model…'} {seconds(elapsed)}
        </span>
      )}
      {!live && phase === 'preparing' && (
        <span data-testid="generation-phase" data-phase="preparing">
          Encoding the prompt (and patching the UNet for regions)… {seconds(elapsed)}
        </span>
      )}
      {progress && (
        <span data-testid="generation-progress" data-step={progress.step} data-steps={progress.steps}>
          <progress max={progress.steps} value={progress.step} aria-label="Steps done" />
          <span>
            Image {progress.image + 1}/{progress.images}, step {progress.step}/{progress.steps} · {seconds(elapsed)}
            {left !== null ? ` · about ${seconds(left)} left` : ''}
          </span>
          {preview && <img className="preview" data-testid="preview" src={preview} alt="Preview of the image being generated" />}
        </span>
      )}
      <button type="button" onClick={cancel} title="Cancel (Esc)" aria-label="Cancel the run (Esc)">
        Cancel
      </button>
    </div>
  );
}
