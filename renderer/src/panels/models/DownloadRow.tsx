import type { DownloadStatus } from '../../../../app/contract/models';
import type { ModelActions } from '../../generation/use-models';
import { formatBytes, formatDuration } from '../../../../app/domain/units';

const PHASES: Readonly<Record<DownloadStatus['phase'], string>> = {
  queued: 'Waiting',
  listing: 'Listing files',
  downloading: 'Downloading',
  verifying: 'Verifying',
  paused: 'Paused',
  failed: 'Failed',
  cancelled: 'Cancelled',
  done: 'Verified and in the library',
};

/** A download with its bytes, speed and time left, and what can be done to it now. */
export function DownloadRow({ download, actions }: { readonly download: DownloadStatus; readonly actions: ModelActions }) {
  const { id, repo, phase, bytesDone, bytesTotal, bytesPerSecond, etaSeconds, error } = download;
  const active = phase === 'queued' || phase === 'listing' || phase === 'downloading' || phase === 'verifying';
  return (
    <li className="download-row" aria-label={`Download of ${repo}`} data-phase={phase}>
      <div className="model-head">
        <strong>{repo}</strong>
        <small>{PHASES[phase]}</small>
      </div>
      <progress max={bytesTotal || 1} value={bytesDone} aria-label={`${repo} downloaded`} />
      <small>
        {formatBytes(bytesDone)} of {formatBytes(bytesTotal)}
        {phase === 'downloading' && bytesPerSecond > 0 ? ` · ${formatBytes(bytesPerSecond)}/s` : ''}
        {phase === 'downloading' && etaSeconds !== null ? ` · ${formatDuration(etaSeconds)} left` : ''}
      </small>
      {error && (
        <p className={phase === 'failed' ? 'bad' : 'warning'} role={phase === 'failed' ? 'alert' : undefined}>
          {error}
        </p>
      )}
      <div className="model-actions">
        {active && (
          <button type="button" onClick={() => void actions.pause(id)} aria-label={`Pause ${repo}`}>
            Pause
          </button>
        )}
        {(phase === 'paused' || phase === 'failed') && (
          <button type="button" onClick={() => void actions.resume(id)} aria-label={`Resume ${repo}`}>
            Resume
          </button>
        )}
        {phase !== 'done' && phase !== 'cancelled' && (
          <button type="button" onClick={() => void actions.cancelDownload(id)} aria-label={`Cancel ${repo}`}>
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}
