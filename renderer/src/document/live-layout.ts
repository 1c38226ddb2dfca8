import type { Layer } from '../../../app/document/document';
import { solveSceneGraph, type LayoutResult } from '../../../app/domain/scene-layout';

type GraphLayer = Extract<Layer, { kind: 'scene-graph' }>;

/**
 * A scene graph's layout as the engine will solve it for this seed and
 * aspect, solved once per graph edit: the canvas draws it and the graph
 * editor names its contradictions from the same answer.
 */
const solved = new WeakMap<GraphLayer, Map<string, LayoutResult>>();

export function liveLayout(layer: GraphLayer, seed: number, aspect: number): LayoutResult | null {
  if (layer.objects.length === 0) return null;
  const byKey = solved.get(layer) ?? new Map<string, LayoutResult>();
  solved.set(layer, byKey);
  const key = `${seed}:${aspect.toFixed(4)}`;
  let result = byKey.get(key);
  if (!result) {
    result = solveSceneGraph({ objects: layer.objects, relations: layer.relations }, seed, aspect);
    byKey.set(key, result);
  }
  return result;
}
