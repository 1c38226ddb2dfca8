import { download } from '../document/images';
import type { ProjectState } from '../document/use-project';

/** Layers of the document, top first: show or hide, remove; the document itself is on the section for tests and tools to read. */
export function LayersPanel({ project }: { readonly project: ProjectState }) {
  const layers = [...project.document.layers].reverse();
  return (
    <section className="panel" aria-label="Layers" data-document={JSON.stringify(project.document)}>
      <h2>Layers</h2>
      {layers.length === 0 && <p className="empty">The document has no layers yet: import an image or send a result to the canvas.</p>}
      <ul className="models" aria-label="Document layers">
        {layers.map((layer) => (
          <li key={layer.id} className="model-row" aria-label={layer.name}>
            <div className="model-head">
              <label className="check">
                <input type="checkbox" checked={layer.visible} onChange={() => project.toggleLayer(layer.id)} aria-label={`Show ${layer.name}`} />
                <strong>{layer.name}</strong>
              </label>
              <small>{layer.kind}</small>
              {layer.kind === 'image' && project.assets[layer.asset] && (
                <button type="button" className="link" onClick={() => download(project.assets[layer.asset]!, `${layer.name}.png`)} aria-label={`Export layer ${layer.name} as PNG`}>
                  Export
                </button>
              )}
              <button type="button" className="link" onClick={() => project.removeLayer(layer.id)} aria-label={`Remove layer ${layer.name}`}>
                Remove
              </button>
            </div>
            {layer.kind === 'layout-boxes' && (
              <ul className="boxes" aria-label={`Boxes of ${layer.name}`}>
                {layer.boxes.map((box, i) => (
                  <li key={`${box.id}:${box.label}`} className="inline-form">
                    <input aria-label={`Label of box ${i + 1}`} defaultValue={box.label} onBlur={(e) => e.target.value !== box.label && project.setBoxLabel(layer.id, box.id, e.target.value.trim())} onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()} />
                    <button type="button" className="link" onClick={() => project.removeBox(layer.id, box.id)} aria-label={`Remove box ${i + 1}`}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
