import loadHighs from 'highs';
import wasmUrl from 'highs/runtime?url';
import { useForLargePrograms } from '../../../app/domain/linear-program';
import { solveSceneGraph, type LayoutResult, type SceneGraphInput } from '../../../app/domain/scene-layout';

/** A graph to lay out, as live-layout.ts sends it. */
export interface LayoutJob {
  readonly id: number;
  readonly graph: SceneGraphInput;
  readonly seed: number;
  readonly aspect: number;
}

export interface LayoutAnswer {
  readonly id: number;
  readonly result: LayoutResult;
}

// The worker's side of the messages (the renderer's types are the page's; a worker posts without a target origin).
const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutJob>) => void) | null; postMessage(answer: LayoutAnswer): void };

// HiGHS for large programs once its WebAssembly is in; jobs that come before wait for it (a failed load leaves YALPS).
const ready = loadHighs({ locateFile: () => wasmUrl }).then(useForLargePrograms, () => undefined);

/** Solves scene graphs off the page's thread, so typing and painting never wait for a layout. */
scope.onmessage = (event) => {
  void ready.then(() => {
    const { id, graph, seed, aspect } = event.data;
    scope.postMessage({ id, result: solveSceneGraph(graph, seed, aspect) });
  });
};
