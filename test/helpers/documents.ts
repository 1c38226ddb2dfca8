import { AssetId, LayerId, type Layer } from '../../app/document/document';

/** One layer of every kind, with the assets they name (for document and project tests). */
const id = (n: string) => LayerId.parse(`layer_${n}`);
export const asset = (n: string) => AssetId.parse(`asset_${n}`);
const base = (n: string, visible = true) => ({ id: id(n), name: n, visible, locked: false, opacity: 1 });
export const box = { id: 'b1', rect: { x: 0.1, y: 0.1, width: 0.3, height: 0.3 }, label: 'a red star', strength: 1 };

export const everyKind: Layer[] = [
  { ...base('photo'), kind: 'image', asset: asset('photo'), rect: { x: 0, y: 0, width: 1, height: 1 } },
  { ...base('star'), kind: 'word-region', mask: asset('star-mask'), phrase: 'red star', strength: 1.5, colour: '#ff0000' },
  { ...base('sky'), kind: 'regional-prompt', mask: asset('sky-mask'), prompt: 'a stormy sky', strength: 1, colour: '#3366ff' },
  { ...base('boxes'), kind: 'layout-boxes', boxes: [box] },
  { ...base('graph'), kind: 'scene-graph', objects: [{ id: 'cat', name: 'cat', attributes: [] }, { id: 'dog', name: 'dog', attributes: ['brown'] }], relations: [{ subject: 'cat', predicate: 'left of', object: 'dog' }], solved: null },
  { ...base('fix'), kind: 'inpaint-mask', mask: asset('fix-mask') },
];

