/** Layers of the document: images, word regions, layout boxes, scene graphs, masks. */
export function LayersPanel() {
  return (
    <section className="panel" aria-label="Layers">
      <h2>Layers</h2>
      <p className="empty">The document has no layers yet.</p>
    </section>
  );
}
