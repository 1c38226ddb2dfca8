import type { DownloadStatus } from '../../../../app/contract/models';
import type { CatalogItem, ModelActions } from '../../generation/use-models';
import { formatBytes } from '../../../../app/domain/units';

interface Props {
  readonly catalog: readonly CatalogItem[];
  readonly downloads: readonly DownloadStatus[];
  readonly actions: ModelActions;
}

/** Public ONNX models, one click from the library. */
export function CatalogList({ catalog, downloads, actions }: Props) {
  return (
    <ul className="models catalog">
      {catalog.map((entry) => {
        const running = downloads.find((d) => d.repo === entry.repo && !['done', 'cancelled'].includes(d.phase));
        return (
          <li key={entry.id} className="model-row" aria-label={entry.name}>
            <div className="model-head">
              <strong>{entry.name}</strong>
              <small>
                {entry.family} · {formatBytes(entry.sizeBytes)} · {entry.license}
                {entry.verified ? '' : ' · layout not yet checked'}
              </small>
            </div>
            <p className="description">{entry.description}</p>
            {entry.installedId ? (
              <small className="ok">In the library as {entry.installedId}</small>
            ) : running ? (
              <small>Downloading…</small>
            ) : (
              <button type="button" onClick={() => void actions.download({ repo: entry.repo, revision: entry.revision, subfolder: entry.subfolder, id: entry.id })} aria-label={`Download ${entry.name}`}>
                Download
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
