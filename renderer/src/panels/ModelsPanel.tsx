import type { ProviderReport } from '../../../app/contract/providers';
import type { ModelLibraryState } from '../generation/use-models';
import { AddModelForms } from './models/AddModelForms';
import { CatalogList } from './models/CatalogList';
import { DownloadRow } from './models/DownloadRow';
import { formatBytes } from '../../../app/domain/units';
import { HubTokenForm } from './models/HubTokenForm';
import { ModelRow } from './models/ModelRow';

interface Props {
  readonly library: ModelLibraryState;
  readonly providers: readonly ProviderReport[];
  readonly canOpenFolders: boolean;
  readonly onReprobe: () => void;
}

/** The model manager: the library, adding models (import, hub, catalog), downloads, the hub token, and what this machine runs models on. */
export function ModelsPanel({ library, providers, canOpenFolders, onReprobe }: Props) {
  const { listing, downloads, catalog, token, error, notice, actions } = library;
  const total = listing.models.filter((m) => m.managed).reduce((sum, m) => sum + m.sizeBytes, 0);
  return (
    <section className="panel" aria-label="Models">
      <h2>Models</h2>
      {error && (
        <p className="status-error" role="alert" data-testid="models-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {listing.problems.map((problem) => (
        <p key={problem} className="warning">
          {problem}
        </p>
      ))}
      {listing.models.length === 0 && <p className="empty">No models in the library yet.</p>}
      <ul className="models" aria-label="Library">
        {listing.models.map((m) => (
          <ModelRow key={m.id} model={m} actions={actions} canOpenFolders={canOpenFolders} />
        ))}
      </ul>
      <p className="description">
        Your library: {formatBytes(total)}
        {listing.freeBytes !== null ? `, ${formatBytes(listing.freeBytes)} free on its disk` : ''}
      </p>
      {downloads.length > 0 && (
        <>
          <h3>Downloads</h3>
          <ul className="models" aria-label="Downloads">
            {downloads.map((d) => (
              <DownloadRow key={d.id} download={d} actions={actions} />
            ))}
          </ul>
        </>
      )}
      <details className="section">
        <summary>Add a model</summary>
        <AddModelForms actions={actions} />
      </details>
      <details className="section">
        <summary>Catalog</summary>
        <CatalogList catalog={catalog} downloads={downloads} actions={actions} />
      </details>
      <details className="section">
        <summary>Hub token</summary>
        <HubTokenForm status={token} actions={actions} />
      </details>
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
