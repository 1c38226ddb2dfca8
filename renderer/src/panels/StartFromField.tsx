import { documentOf, setStartFrom, useEditor } from '../document/editor-store';

/**
 * img2img and inpainting from the canvas: the picture layer a run starts
 * from and how much of it is repainted; with a visible inpaint mask, only
 * where the mask is painted.
 */
export function StartFromField() {
  const document = useEditor(documentOf);
  const source = useEditor((s) => s.run.startFrom);
  const pictures = document.layers.filter((l) => l.kind === 'image');
  const chosen = source && pictures.some((p) => p.id === source.layer) ? source : null;
  const inpainting = chosen !== null && document.layers.some((l) => l.kind === 'inpaint-mask' && l.visible);
  return (
    <div className="field-grid">
      <label className="field">
        <span>Start from</span>
        <select
          aria-label="Start from"
          value={chosen?.layer ?? ''}
          onChange={(e) => {
            const layer = pictures.find((p) => p.id === e.target.value);
            setStartFrom(layer ? { layer: layer.id, strength: chosen?.strength ?? 0.75 } : null);
          }}
        >
          <option value="">Nothing (text to image)</option>
          {[...pictures].reverse().map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {chosen && (
        <label className="field">
          <span>Repaint</span>
          <input type="number" aria-label="Repaint strength" min={0.05} max={1} step={0.05} value={chosen.strength} onChange={(e) => setStartFrom({ ...chosen, strength: Math.min(1, Math.max(0.05, Number(e.target.value) || 0.75)) })} />
        </label>
      )}
      {chosen && <p className="hint">{inpainting ? 'Inpainting: only where the inpaint mask is painted is repainted.' : 'Add an inpaint mask layer to repaint only part of the picture.'}</p>}
    </div>
  );
}
