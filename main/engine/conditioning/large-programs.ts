import loadHighs from 'highs';
import { useForLargePrograms } from '../../../app/domain/linear-program';

let loading: Promise<void> | null = null;

/**
 * Loads HiGHS (WebAssembly, from node_modules) once, for the scene-graph
 * solver's large programs. Should it fail to load, YALPS solves them, slower:
 * the layout is the same kind, so this is said in the log, not to the user.
 */
export function loadLargeProgramSolver(): Promise<void> {
  loading ??= loadHighs().then(useForLargePrograms, (error: unknown) => console.warn(`HiGHS did not load; large scene graphs are solved by YALPS: ${error instanceof Error ? error.message : String(error)}`));
  return loading;
}
