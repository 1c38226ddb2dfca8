import type { GalleryItem } from '../generation/use-generation';

interface Props {
  readonly items: readonly GalleryItem[];
  readonly selected: string | null;
  /** The selected result stays on the canvas when new ones arrive. */
  readonly pinned: boolean;
  readonly onSelect: (url: string) => void;
  readonly onPin: (pinned: boolean) => void;
}

/** Results of this session, newest first; clicking one shows it on the canvas until a newer one arrives, or for good when pinned. */
export function GalleryStrip({ items, selected, pinned, onSelect, onPin }: Props) {
  return (
    <section className="gallery-strip" aria-label="Gallery" data-testid="gallery">
      {items.length === 0 && <p className="empty">Generated images will appear here.</p>}
      {items.length > 0 && (
        <button type="button" className="pin" aria-pressed={pinned} aria-label="Keep showing the selected image" title="Keep showing the selected image when new ones arrive" onClick={() => onPin(!pinned)}>
          {pinned ? 'Pinned' : 'Pin'}
        </button>
      )}
      {items.map((item) => (
        <button type="button" key={item.url} className={item.url === selected ? 'thumb selected' : 'thumb'} onClick={() => onSelect(item.url)} title={`Seed ${item.seed} — ${item.prompt}`}>
          <img src={item.url} alt={`Result, seed ${item.seed}`} />
        </button>
      ))}
    </section>
  );
}
