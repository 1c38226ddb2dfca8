import { CanvasArea } from './canvas/CanvasArea';
import type { StudioConnection } from './connection/studio-client';
import { useStudioState } from './connection/use-studio-state';
import { GalleryStrip } from './panels/GalleryStrip';
import { LayersPanel } from './panels/LayersPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { PromptPanel } from './panels/PromptPanel';
import { StatusBar } from './panels/StatusBar';

/** The studio frame: prompt on the left, canvas and gallery in the middle, layers and models on the right. */
export function App({ studio }: { readonly studio: StudioConnection }) {
  const state = useStudioState(studio);
  return (
    <div className="studio">
      <header className="title-bar">
        <h1>Wordbrush</h1>
      </header>
      <aside className="left-dock">
        <PromptPanel />
      </aside>
      <main className="centre">
        <CanvasArea />
        <GalleryStrip />
      </main>
      <aside className="right-dock">
        <LayersPanel />
        <ModelsPanel providers={state.providers} onReprobe={state.reprobe} />
      </aside>
      <StatusBar state={state} onRestartInference={state.restartInference} />
    </div>
  );
}
