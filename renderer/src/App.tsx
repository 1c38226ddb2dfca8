import { useMemo, useState, type DragEvent } from 'react';
import { CanvasArea } from './canvas/CanvasArea';
import type { StudioConnection } from './connection/studio-client';
import { useStudioState } from './connection/use-studio-state';
import { generationInfoOf } from '../../app/domain/generation-info';
import { readPngText } from '../../app/domain/png-text';
import { presetFromText, presetOf, settingsOf, type PanelPreset } from './generation/recall';
import { useGallery } from './generation/use-gallery';
import { useGeneration } from './generation/use-generation';
import { useModelLibrary } from './generation/use-models';
import { GalleryStrip } from './panels/GalleryStrip';
import { LayersPanel } from './panels/LayersPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { PromptPanel } from './panels/PromptPanel';
import { SettingsPanel, useSettings } from './panels/SettingsPanel';
import { StatusBar } from './panels/StatusBar';

const DEFAULT_PAGE = { width: 512, height: 512 };
const randomSeed = () => Math.floor(Math.random() * 2 ** 32);

/** The studio frame: prompt on the left, canvas and gallery in the middle, layers and models on the right. */
export function App({ studio }: { readonly studio: StudioConnection }) {
  const state = useStudioState(studio);
  const library = useModelLibrary(studio, state.connection);
  const generation = useGeneration(studio);
  const gallery = useGallery(studio, state.connection);
  const settings = useSettings(studio, state.connection);
  const theme = settings.settings?.theme ?? 'dark';
  // A picked result shows until a newer one arrives, unless it is pinned.
  const [picked, setPicked] = useState<{ id: string; newest: string | null } | null>(null);
  const [pinned, setPinned] = useState(false);
  const [recall, setRecall] = useState<{ nonce: number; preset: PanelPreset } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const newest = gallery.items[0]?.id ?? null;
  const stillPicked = picked && (pinned || picked.newest === newest) ? picked.id : null;
  const shown = gallery.items.find((item) => item.id === stillPicked) ?? gallery.items[0] ?? null;
  const page = useMemo(() => (shown ? { width: shown.width, height: shown.height } : DEFAULT_PAGE), [shown]);

  // A PNG dropped on the studio offers what a gallery result does: its settings go to the panel.
  const onDrop = async (event: DragEvent<HTMLDivElement>) => {
    const file = [...event.dataTransfer.files].find((f) => f.type === 'image/png' || f.name.toLowerCase().endsWith('.png'));
    if (!file) return;
    event.preventDefault();
    // Compressed text chunks are rare in generators' PNGs; they are skipped here rather than inflated.
    const text = readPngText(new Uint8Array(await file.arrayBuffer()), () => new Uint8Array());
    const preset = text ? presetFromText(text, generationInfoOf(text), library.listing) : null;
    if (preset) setRecall({ nonce: Date.now(), preset });
    setNotice(preset ? `Settings from ${file.name}` : `${file.name} says nothing about how it was made`);
  };

  const withRecord = (id: string, use: (preset: PanelPreset, parameters: string | null) => void) =>
    gallery.record(id).then(
      (record) => use(presetOf(record, library.listing), record.parameters),
      (e: Error) => setNotice(e.message),
    );
  return (
    <div className={`studio theme-${theme}`} data-theme={theme} onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()} onDrop={(e) => void onDrop(e)}>
      <header className="title-bar">
        <h1>Wordbrush</h1>
      </header>
      <aside className="left-dock">
        <PromptPanel key={recall?.nonce ?? 0} initial={recall?.preset} listing={library.listing} providers={state.providers} generation={generation} />
      </aside>
      <main className="centre">
        <CanvasArea document={page} imageUrl={shown ? studio.galleryUrl(`${shown.id}.png`) : null} />
        <GalleryStrip
          items={gallery.items}
          selected={shown?.id ?? null}
          pinned={pinned && stillPicked !== null}
          trashed={gallery.trashed}
          hasMore={gallery.hasMore}
          notice={notice ?? gallery.error}
          urlOf={studio.galleryUrl}
          actions={{
            select: (id) => setPicked({ id, newest }),
            pin: (pin) => {
              if (pin && shown) setPicked({ id: shown.id, newest });
              setPinned(pin);
            },
            useSettings: (id) => void withRecord(id, (preset) => setRecall({ nonce: Date.now(), preset })),
            rerun: (id) =>
              void withRecord(id, (preset) => {
                const seed = randomSeed();
                const settings = settingsOf(preset, seed);
                if (!settings) return setNotice('The model of that image is not in the library');
                setRecall({ nonce: Date.now(), preset: { ...preset, seed } });
                generation.generate(settings);
              }),
            copyParameters: (id) =>
              void withRecord(id, (_preset, parameters) =>
                navigator.clipboard.writeText(parameters ?? '').then(
                  () => setNotice('Parameters copied'),
                  () => setNotice('The clipboard cannot be written here'),
                ),
              ),
            star: gallery.star,
            trash: gallery.trash,
            undoTrash: gallery.undoTrash,
            loadMore: gallery.loadMore,
          }}
        />
      </main>
      <aside className="right-dock">
        <LayersPanel />
        <ModelsPanel library={library} providers={state.providers} canOpenFolders={state.info?.mode === 'electron'} onReprobe={state.reprobe} />
        {settings.settings && (
          <section className="panel" aria-label="Settings panel">
            <details className="section">
              <summary>Settings</summary>
              <SettingsPanel settings={settings.settings} problem={settings.problem} providers={state.providers} save={settings.save} />
            </details>
          </section>
        )}
      </aside>
      <StatusBar state={state} onRestartInference={state.restartInference} />
    </div>
  );
}
