import { galleryFile, type GalleryEntry } from '../../../app/contract/gallery';

export interface GalleryActions {
  select(id: string): void;
  useSettings(id: string): void;
  useEverything(id: string): void;
  rerun(id: string): void;
  copyParameters(id: string): void;
  sendToCanvas(id: string): void;
  star(id: string, starred: boolean): void;
  trash(id: string): void;
  undoTrash(): void;
  emptyTrash(): void;
  /** Absent where folders cannot be opened (browser mode). */
  openFolder?: (() => void) | undefined;
  loadMore(): void;
}

interface Props {
  readonly items: readonly GalleryEntry[];
  readonly selected: string | null;
  readonly trashed: string | null;
  readonly hasMore: boolean;
  readonly notice: string | null;
  readonly urlOf: (file: string) => string;
  readonly actions: GalleryActions;
}

const describe = (item: GalleryEntry) => `${item.info?.seed !== undefined ? `Seed ${item.info.seed} ` : ''}— ${item.info?.prompt ?? item.id}`;

/**
 * The gallery main keeps, newest first: results, and images copied in or made
 * by other tools. Clicking one stages it on the canvas (to accept as a layer
 * or discard); the bar acts on the selected one.
 */
export function GalleryStrip({ items, selected, trashed, hasMore, notice, urlOf, actions }: Props) {
  const current = items.find((i) => i.id === selected) ?? null;
  return (
    <section className="gallery-strip" aria-label="Gallery" data-testid="gallery">
      {items.length === 0 && <p className="empty">Generated images will appear here.</p>}
      {current && (
        <div className="gallery-actions" role="toolbar" aria-label="Selected result">
          <button type="button" onClick={() => actions.useSettings(current.id)} disabled={!current.info}>
            Use these settings
          </button>
          <button type="button" onClick={() => actions.useEverything(current.id)} disabled={!current.info} title="The settings, and the canvas document the result was made from">
            Use everything
          </button>
          <button type="button" onClick={() => actions.rerun(current.id)} disabled={!current.info}>
            New seed
          </button>
          <button type="button" onClick={() => actions.copyParameters(current.id)} disabled={!current.info}>
            Copy parameters
          </button>
          <button type="button" onClick={() => actions.sendToCanvas(current.id)}>
            Send to canvas
          </button>
          <button type="button" aria-pressed={current.starred} onClick={() => actions.star(current.id, !current.starred)} aria-label={current.starred ? 'Unstar' : 'Star'}>
            {current.starred ? '★' : '☆'}
          </button>
          <button type="button" onClick={() => actions.trash(current.id)} aria-label="Move to trash">
            Delete
          </button>
          {actions.openFolder && (
            <button type="button" onClick={actions.openFolder}>
              Show folder
            </button>
          )}
        </div>
      )}
      {trashed && (
        <p className="notice" role="status">
          Moved to the trash.{' '}
          <button type="button" className="link" onClick={actions.undoTrash} aria-label="Undo the delete">
            Undo
          </button>{' '}
          <button type="button" className="link" onClick={actions.emptyTrash}>
            Empty the trash
          </button>
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {items.map((item) => (
        <button type="button" key={item.id} className={item.id === selected ? 'thumb selected' : 'thumb'} onClick={() => actions.select(item.id)} title={describe(item)}>
          <img src={urlOf(galleryFile(item.id, item.thumbnail ? 'thumbs' : 'results'))} alt={`Result ${describe(item)}`} />
          {item.starred && <span className="star" aria-hidden="true">★</span>}
        </button>
      ))}
      {hasMore && (
        <button type="button" onClick={actions.loadMore}>
          Older…
        </button>
      )}
    </section>
  );
}
