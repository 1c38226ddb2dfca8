import { bestProvider } from '../../../app/domain/providers';
import type { StudioState } from '../connection/use-studio-state';

const CONNECTION_TEXT = { connecting: 'Connecting…', connected: 'Connected', disconnected: 'Disconnected — retrying' } as const;

interface Props {
  readonly state: StudioState;
  readonly onRestartInference: () => void;
}

/** Connection to main, inference process state, the execution provider in use, and background work. */
export function StatusBar({ state, onRestartInference }: Props) {
  const { connection, inference, info, providers, progress, error } = state;
  const provider = info ? bestProvider(providers, info.platform) : null;
  const inferenceText = !inference
    ? 'Inference: unknown'
    : inference.state === 'ready'
      ? `Inference ready (pid ${inference.pid})`
      : inference.state === 'crashed'
        ? `Inference crashed (${inference.lastCrash}) — restarting`
        : inference.state === 'failed'
          ? `Inference failed (${inference.lastCrash})`
          : `Inference ${inference.state}`;

  return (
    <footer className="status-bar" role="status">
      <span className={`status-dot status-${connection}`} data-testid="connection" data-state={connection}>
        {CONNECTION_TEXT[connection]}
      </span>
      <span
        data-testid="inference"
        data-state={inference?.state ?? 'unknown'}
        data-pid={inference?.pid ?? ''}
        data-restarts={inference?.restarts ?? 0}
        className={`inference-${inference?.state ?? 'unknown'}`}
      >
        {inferenceText}
      </span>
      {inference?.state === 'failed' && (
        <button type="button" onClick={onRestartInference}>
          Restart inference
        </button>
      )}
      <span data-testid="provider" data-provider={provider ?? ''} title={providers.map((p) => `${p.name}: ${p.usable ? 'usable' : (p.detail ?? 'unusable')}`).join('\n')}>
        EP: {provider ?? '—'}
      </span>
      {progress && progress.step < progress.total && (
        <span data-testid="progress">
          {progress.label} ({progress.step}/{progress.total})
        </span>
      )}
      {error && <span className="status-error">{error}</span>}
      <span className="status-spacer" />
      {info && (
        <span className="status-versions">
          Wordbrush {info.version} · onnxruntime {info.versions.onnxruntime ?? '?'} · {info.mode === 'electron' ? `Electron ${info.versions.electron}` : 'browser mode'}
        </span>
      )}
    </footer>
  );
}
