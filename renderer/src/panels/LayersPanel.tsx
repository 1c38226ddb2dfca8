import type { Layer } from '../../../app/document/document';
import * as edits from '../../../app/document/edits';
import { nounPhrases } from '../../../app/domain/noun-phrases';
import { blankMaskPng } from '../canvas/mask-pixels';
import { addInpaintMask, addRegionalPrompt, addSceneGraph, removeLayer } from '../document/actions';
import { documentOf, edit, select, setPromptSelection, setTool, useEditor } from '../document/editor-store';
import { download } from '../document/images';
import { GraphEditor } from './GraphEditor';

const KIND_NAMES: Readonly<Record<Layer['kind'], string>> = {
  image: 'Image',
  'word-region': 'Word region',
  'regional-prompt': 'Regional prompt',
  'layout-boxes': 'Layout boxes',
  'scene-graph': 'Scene graph',
  'inpaint-mask': 'Inpaint mask',
};

/** A text field that commits once, when it is left or Enter is pressed: one undo step per change. */
function CommitField({ label, value, onCommit, list, multiline, placeholder }: { label: string; value: string; onCommit: (v: string) => void; list?: string; multiline?: boolean; placeholder?: string }) {
  const commit = (v: string) => v.trim() !== value && onCommit(v.trim());
  return multiline ? (
    <textarea key={value} aria-label={label} defaultValue={value} rows={2} onBlur={(e) => commit(e.target.value)} />
  ) : (
    <input key={value} aria-label={label} defaultValue={value} list={list} placeholder={placeholder} onBlur={(e) => commit(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()} />
  );
}

function LayerDetails({ layer }: { readonly layer: Layer }) {
  const prompt = useEditor((s) => s.run.prompt);
  const assets = useEditor((s) => s.assets);
  switch (layer.kind) {
    case 'image':
      return assets[layer.asset] ? (
        <button type="button" className="link" onClick={() => download(assets[layer.asset]!, `${layer.name}.png`)} aria-label={`Export layer ${layer.name} as PNG`}>
          Export PNG
        </button>
      ) : null;
    case 'word-region':
      return (
        <div className="layer-fields">
          <CommitField label={`Phrase of ${layer.name}`} value={layer.phrase} onCommit={(v) => v && edit((d) => edits.setPhrase(d, layer.id, v))} />
          <StrengthField layer={layer} />
        </div>
      );
    case 'regional-prompt':
      return (
        <div className="layer-fields">
          <CommitField label={`Prompt of ${layer.name}`} value={layer.prompt} multiline onCommit={(v) => v && edit((d) => edits.setRegionalPrompt(d, layer.id, v))} />
          <StrengthField layer={layer} />
        </div>
      );
    case 'layout-boxes': {
      const suggestions = `labels-${layer.id}`;
      return (
        <>
          <datalist id={suggestions}>
            {nounPhrases(prompt).map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <ol className="boxes" aria-label={`Boxes of ${layer.name}`}>
            {layer.boxes.map((box, i) => (
              <li key={box.id} className="box-fields">
                <CommitField label={`Label of box ${i + 1}`} value={box.label} list={suggestions} onCommit={(v) => v && edit((d) => edits.updateBox(d, layer.id, box.id, { label: v }))} />
                <CommitField label={`Own prompt of box ${i + 1}`} placeholder="its own prompt (optional)" value={box.prompt ?? ''} onCommit={(v) => edit((d) => edits.updateBox(d, layer.id, box.id, { prompt: v }))} />
                <button type="button" className="link" disabled={i === 0} onClick={() => edit((d) => edits.moveBox(d, layer.id, box.id, -1))} aria-label={`Move box ${i + 1} up`}>
                  ↑
                </button>
                <button type="button" className="link" disabled={i === layer.boxes.length - 1} onClick={() => edit((d) => edits.moveBox(d, layer.id, box.id, 1))} aria-label={`Move box ${i + 1} down`}>
                  ↓
                </button>
                <button type="button" className="link" onClick={() => edit((d) => edits.removeBox(d, layer.id, box.id))} aria-label={`Remove box ${i + 1}`}>
                  Remove
                </button>
              </li>
            ))}
          </ol>
          {layer.boxes.length === 0 && <p className="hint">Draw boxes with the Box tool (R).</p>}
        </>
      );
    }
    case 'scene-graph':
      return <GraphEditor layer={layer} />;
    case 'inpaint-mask':
      return <p className="hint">Paint with the brush (B) where the picture is to be repainted.</p>;
  }
}

function StrengthField({ layer }: { readonly layer: Extract<Layer, { strength: number }> }) {
  return (
    <label className="inline-field">
      <span>Strength</span>
      <input type="number" min={0} max={10} step={0.1} aria-label={`Strength of ${layer.name}`} key={layer.strength} defaultValue={layer.strength} onBlur={(e) => Number(e.target.value) !== layer.strength && edit((d) => edits.setStrength(d, layer.id, Number(e.target.value)))} />
    </label>
  );
}

/**
 * The document's layers, top first: select one (the brush paints the
 * selected region), show, lock, reorder, remove, and edit what each holds.
 * The document is on the section for tests and tools to read.
 */
export function LayersPanel() {
  const document = useEditor(documentOf);
  const selected = useEditor((s) => s.selected);
  const layers = [...document.layers].reverse();
  const blank = () => blankMaskPng(document.canvas.width, document.canvas.height);
  const paintNew = (add: () => void) => {
    add();
    setPromptSelection(null);
    setTool('brush');
  };
  return (
    <section className="panel" aria-label="Layers" data-document={JSON.stringify(document)}>
      <h2>Layers</h2>
      <div className="button-row" role="group" aria-label="Add a layer">
        <button type="button" onClick={() => paintNew(() => addRegionalPrompt('a detail', blank()))}>
          Regional prompt
        </button>
        <button type="button" onClick={() => addSceneGraph()}>
          Scene graph
        </button>
        <button type="button" onClick={() => paintNew(() => addInpaintMask(blank()))}>
          Inpaint mask
        </button>
      </div>
      {layers.length === 0 && <p className="empty">No layers yet: select words of the prompt and paint them, draw a box (R), add a scene graph, or import an image.</p>}
      <ul className="layers" aria-label="Document layers">
        {layers.map((layer) => (
          <li key={layer.id} className="layer-row" aria-label={layer.name} aria-current={layer.id === selected ? 'true' : undefined} data-kind={layer.kind}>
            <div className="layer-head">
              {'colour' in layer && <span className="swatch" style={{ backgroundColor: layer.colour }} aria-hidden="true" />}
              <label className="check">
                <input type="checkbox" checked={layer.visible} onChange={() => edit((d) => edits.updateLayer(d, layer.id, { visible: !layer.visible }))} aria-label={`Show ${layer.name}`} />
              </label>
              <button type="button" className="layer-name" aria-pressed={layer.id === selected} onClick={() => select(layer.id === selected ? null : layer.id)} aria-label={`Select ${layer.name}`}>
                <strong>{layer.name}</strong> <small>{KIND_NAMES[layer.kind]}</small>
              </button>
            </div>
            <div className="layer-actions">
              <label className="check">
                <input type="checkbox" checked={layer.locked} onChange={() => edit((d) => edits.updateLayer(d, layer.id, { locked: !layer.locked }))} aria-label={`Lock ${layer.name}`} /> Lock
              </label>
              <label className="inline-field">
                <span>Opacity</span>
                <input type="range" min={0} max={1} step={0.05} key={layer.opacity} defaultValue={layer.opacity} aria-label={`Opacity of ${layer.name}`} onPointerUp={(e) => edit((d) => edits.updateLayer(d, layer.id, { opacity: Number(e.currentTarget.value) }))} onKeyUp={(e) => edit((d) => edits.updateLayer(d, layer.id, { opacity: Number(e.currentTarget.value) }))} />
              </label>
              <button type="button" className="link" onClick={() => edit((d) => edits.moveLayer(d, layer.id, 1))} aria-label={`Move ${layer.name} up`}>
                ↑
              </button>
              <button type="button" className="link" onClick={() => edit((d) => edits.moveLayer(d, layer.id, -1))} aria-label={`Move ${layer.name} down`}>
                ↓
              </button>
              <button type="button" className="link" onClick={() => removeLayer(layer.id)} aria-label={`Remove layer ${layer.name}`}>
                Remove
              </button>
            </div>
            {(layer.id === selected || layer.kind === 'layout-boxes' || layer.kind === 'scene-graph') && <LayerDetails layer={layer} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
