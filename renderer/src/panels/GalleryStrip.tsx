/** Results of this session, newest first, with their parameters. */
export function GalleryStrip() {
  return (
    <section className="gallery-strip" aria-label="Gallery">
      <p className="empty">Generated images will appear here.</p>
    </section>
  );
}
