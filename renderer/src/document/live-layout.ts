import type { Layer, LayerId } from '../../../app/document/document';
import { solveSceneGraph, type LayoutResult } from '../../../app/domain/scene-layout';
import { editorStore } from './editor-store';
import type { LayoutAnswer, LayoutJob } from './layout-worker';

type GraphLayer = Extract<Layer, { kind: 'scene-graph' }>;

/** A graph's layout as the canvas and the graph view show it: the latest solved, and whether a newer one is on its way. */
export interface LiveLayout {
  /** Null until the graph's first layout is solved. */
  readonly layout: LayoutResult | null;
  /** The layout shown is an earlier graph's, seed's or page's: the current one is being solved. */
  readonly pending: boolean;
}

/**
 * A scene graph's layout as the engine will solve it for this seed and
 * aspect, solved in a worker (the same solver, HiGHS for large graphs) once
 * per graph edit: the canvas draws it and the graph editor names its
 * contradictions from the same answer. While a layout is solved, the last
 * one of that layer stays shown; `layoutsSolved` in the editor's store ticks
 * when one arrives. Where no worker can start, it is solved on the page.
 */
const solved = new WeakMap<GraphLayer, Map<string, LayoutResult>>();
const lastShown = new Map<LayerId, LayoutResult>();
const jobs = new Map<number, { layer: GraphLayer; seed: number; aspect: number }>();
let nextJob = 0;
let worker: Worker | null | undefined;

function layoutWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<LayoutAnswer>) => {
      const job = jobs.get(event.data.id);
      if (!job) return;
      jobs.delete(event.data.id);
      keep(job.layer, job.seed, job.aspect, event.data.result);
    };
    // A worker that fails (its script cannot load) leaves the page to solve: the jobs it held are solved again there.
    worker.onerror = () => {
      worker = null;
      const lost = [...jobs.values()];
      jobs.clear();
      for (const { layer, seed, aspect } of lost) keep(layer, seed, aspect, solveHere(layer, seed, aspect));
    };
  } catch {
    worker = null;
  }
  return worker;
}

function keep(layer: GraphLayer, seed: number, aspect: number, result: LayoutResult): void {
  cacheOf(layer).set(keyOf(seed, aspect), result);
  editorStore.setState((s) => ({ layoutsSolved: s.layoutsSolved + 1 }));
}

function cacheOf(layer: GraphLayer): Map<string, LayoutResult> {
  let byKey = solved.get(layer);
  if (!byKey) solved.set(layer, (byKey = new Map()));
  return byKey;
}

const keyOf = (seed: number, aspect: number) => `${seed}:${aspect.toFixed(4)}`;

function solveHere(layer: GraphLayer, seed: number, aspect: number): LayoutResult {
  return solveSceneGraph({ objects: layer.objects, relations: layer.relations }, seed, aspect);
}

/** Where layouts are solved now: in the worker, or on the page where no worker could start. */
export const layoutThread = (): 'worker' | 'page' => (layoutWorker() ? 'worker' : 'page');

export function liveLayout(layer: GraphLayer, seed: number, aspect: number): LiveLayout {
  if (layer.objects.length === 0) return { layout: null, pending: false };
  const key = keyOf(seed, aspect);
  const byKey = cacheOf(layer);
  const known = byKey.get(key);
  if (known) {
    lastShown.set(layer.id, known);
    return { layout: known, pending: false };
  }
  const inFlight = [...jobs.values()].some((job) => job.layer === layer && keyOf(job.seed, job.aspect) === key);
  const target = inFlight ? worker : layoutWorker();
  if (!target) {
    const result = solveHere(layer, seed, aspect);
    byKey.set(key, result);
    lastShown.set(layer.id, result);
    return { layout: result, pending: false };
  }
  if (!inFlight) {
    const id = nextJob++;
    jobs.set(id, { layer, seed, aspect });
    const job: LayoutJob = { id, graph: { objects: layer.objects, relations: layer.relations }, seed, aspect };
    target.postMessage(job);
  }
  return { layout: lastShown.get(layer.id) ?? null, pending: true };
}
