import { useMemo, useState } from 'react';
import { CanvasArea } from './canvas/CanvasArea';
import type { StudioConnection } from './connection/studio-client';
import { useStudioState } from './connection/use-studio-state';
import { useGeneration } from './generation/use-generation';
import { useModelLibrary } from './generation/use-models';
import { GalleryStrip } from './panels/GalleryStrip';
import { LayersPanel } from './panels/LayersPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { PromptPanel } from './panels/PromptPanel';
import { StatusBar } from './panels/StatusBar';

const DEFAULT_PAGE = { width: 512, height: 512 };

/** The studio frame: prompt on the left, canvas and gallery in the middle, layers and models on the right. */
export function App({ studio }: { readonly studio: StudioConnection }) {
  const state = useStudioState(studio);
  const library = useModelLibrary(studio, state.connection);
  const generation = useGeneration(studio);
  // A picked result shows until a newer one arrives, unless it is pinned.
  const [picked, setPicked] = useState<{ url: string; atCount: number } | null>(null);
  const [pinned, setPinned] = useState(false);
  const stillPicked = picked && (pinned || picked.atCount === generation.gallery.length) ? picked.url : null;
  const shown = generation.gallery.find((item) => item.url === stillPicked) ?? generation.gallery[0] ?? null;
  const page = useMemo(() => (shown ? { width: shown.width, height: shown.height } : DEFAULT_PAGE), [shown]);
  return (
    <div className="studio">
      <header className="title-bar">
        <h1>Wordbrush</h1>
      </header>
      <aside className="left-dock">
        <PromptPanel listing={library.listing} providers={state.providers} generation={generation} />
      </aside>
      <main className="centre">
        <CanvasArea document={page} imageUrl={shown?.url ?? null} />
        <GalleryStrip
          items={generation.gallery}
          selected={shown?.url ?? null}
          pinned={pinned && stillPicked !== null}
          onSelect={(url) => setPicked({ url, atCount: generation.gallery.length })}
          onPin={(pin) => {
            if (pin && shown) setPicked({ url: shown.url, atCount: generation.gallery.length });
            setPinned(pin);
          }}
        />
      </main>
      <aside className="right-dock">
        <LayersPanel />
        <ModelsPanel library={library} providers={state.providers} canOpenFolders={state.info?.mode === 'electron'} onReprobe={state.reprobe} />
      </aside>
      <StatusBar state={state} onRestartInference={state.restartInference} />
    </div>
  );
}
