import type { GalleryItem } from '../generation/use-generation';

interface Props {
  readonly items: readonly GalleryItem[];
  readonly selected: string | null;
  readonly onSelect: (url: string) => void;
}

/** Results of this session, newest first; clicking one shows it on the canvas. */
export function GalleryStrip({ items, selected, onSelect }: Props) {
  return (
    <section className="gallery-strip" aria-label="Gallery" data-testid="gallery">
      {items.length === 0 && <p className="empty">Generated images will appear here.</p>}
      {items.map((item) => (
        <button type="button" key={item.url} className={item.url === selected ? 'thumb selected' : 'thumb'} onClick={() => onSelect(item.url)} title={`Seed ${item.seed} — ${item.prompt}`}>
          <img src={item.url} alt={`Result, seed ${item.seed}`} />
        </button>
      ))}
    </section>
  );
}
