import { useEffect, useState, type DragEvent } from 'react';
import { compositePng, download, toPngAsset } from './document/images';
import { useProject } from './document/use-project';
import { ProjectBar } from './panels/ProjectBar';
import { CanvasArea } from './canvas/CanvasArea';
import { addImage } from './document/actions';
import { discardStaged, editorStore, fitPixelFreeCanvas, setLive, setRun, stage, usedAssets, useEditor } from './document/editor-store';
import { canvasRequest } from './generation/canvas-request';
import { uploadAsset } from './connection/asset-upload';
import type { StudioConnection } from './connection/studio-client';
import { useStudioState } from './connection/use-studio-state';
import type { GenerationSettings } from '../../app/contract/generation';
import { galleryFile } from '../../app/contract/gallery';
import { generationInfoOf } from '../../app/domain/generation-info';
import { readPngText } from '../../app/domain/png-text';
import { presetFromText, presetOf, randomSeed, type RecalledRun } from './generation/recall';
import { generationSettingsOf } from '../../app/document/run-settings';
import { useNextRun } from './generation/use-next-run';
import { useLiveRedraw } from './generation/use-live-redraw';
import { useGallery } from './generation/use-gallery';
import { useGeneration, type GenerationState } from './generation/use-generation';
import { useModelLibrary } from './generation/use-models';
import { GalleryStrip } from './panels/GalleryStrip';
import { LayersPanel } from './panels/LayersPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { PromptPanel } from './panels/PromptPanel';
import { SettingsPanel, useSettings } from './panels/SettingsPanel';
import { StatusBar } from './panels/StatusBar';

/** How long the model and size must stay as they are before the model is warmed up for them. */
const WARM_AFTER_MS = 500;

/** The studio frame: prompt on the left, canvas and gallery in the middle, layers and models on the right. */
export function App({ studio }: { readonly studio: StudioConnection }) {
  const state = useStudioState(studio);
  const library = useModelLibrary(studio, state.connection);
  const generation = useGeneration(studio);
  const gallery = useGallery(studio, state.connection);
  const settings = useSettings(studio, state.connection);
  const theme = settings.settings?.theme ?? 'dark';
  const [notice, setNotice] = useState<string | null>(null);
  const project = useProject(studio, state.connection, settings.settings?.autosaveSeconds ?? 5);
  const canvasLayers = project.document.layers.flatMap((l) => (l.kind === 'image' && l.visible && project.assets[l.asset] ? [{ id: l.id, url: project.assets[l.asset]!, rect: l.rect, opacity: l.opacity }] : []));
  const importFiles = (files: Iterable<File>) => {
    for (const file of files) {
      if (!file.type.startsWith('image/')) continue;
      toPngAsset(file).then(({ url, width, height }) => addImage(url, width, height, file.name.replace(/\.\w+$/, '')), () => setNotice(`${file.name} is not an image the studio can read`));
    }
  };
  // Shortcuts that work wherever the focus is, but in text fields (which keep their own undo): undo, redo, and Esc to cancel a run.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && generation.running) {
        generation.cancel();
        return;
      }
      // Alt+L turns live mode on and off from anywhere, a text field included (as Alt+B picks the brush).
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyL') {
        event.preventDefault();
        setLive(!editorStore.getState().live);
        return;
      }
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable]')) return;
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        if (event.shiftKey) project.redo();
        else project.undo();
      } else if (mod && event.key.toLowerCase() === 'y') {
        event.preventDefault();
        project.redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  // Pasting an image adds it as a layer.
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea')) return;
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length > 0) importFiles(files);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });
  // The gallery's selected result: the one picked, else the newest.
  const [picked, setPicked] = useState<string | null>(null);
  const selected = gallery.items.find((item) => item.id === picked) ?? gallery.items[0] ?? null;
  // Named by seed, as the layer an accepted one becomes; an image made elsewhere, without one, by its gallery id.
  const stageResults = (images: readonly { id: string; seed: number | undefined }[]) =>
    stage(images.map((image) => ({ id: image.id, live: false, url: studio.galleryUrl(galleryFile(image.id)), name: image.seed === undefined ? image.id : `Result ${image.seed}` })));
  // A run's images wait on the canvas's staging area, to be accepted as a layer or discarded.
  const runAndStage: GenerationState['generate'] = (settings, kept) => {
    // A new run's results take the staging area's place.
    discardStaged();
    return generation.generate(settings, kept).then((result) => {
      if (result) stageResults(result.images);
      return result;
    });
  };
  // Runs take the canvas: its regions, boxes and graph as conditioning, and the document itself kept with the results.
  const fromCanvas = {
    ...generation,
    generate: (settings: GenerationSettings) => {
      if (project.document.layers.length === 0) return runAndStage(settings);
      const { document, assets } = project;
      // Pictures travel once, as uploaded assets (each sent once a session): the masks for the run, every picture for the document kept with it.
      const kept = Promise.all(Object.entries(usedAssets(document, assets)).map(async ([id, url]) => [id, await uploadAsset(studio.client, url)] as const));
      return Promise.all([canvasRequest(studio.client, document, assets, editorStore.getState().run.startFrom), kept]).then(
        ([pictures, refs]) => runAndStage({ ...settings, ...pictures }, { document, assets: Object.fromEntries(refs) }),
        (e: Error) => (setNotice(`Not run: ${e.message}`), null),
      );
    },
  };
  // A page without pixels is the size the next run makes; one with pixels keeps its size, and the canvas offers the run's.
  const { settings: next, fieldErrors: sizeErrors } = useNextRun(library.listing);
  // A model picked or a size changed warms the model up while the person is still typing, so the run's first step is not slow.
  const warmFor = next && Object.keys(sizeErrors).length === 0 ? { model: next.model, width: next.width, height: next.height, cfgScale: next.cfgScale, ...(next.provider ? { provider: next.provider } : {}) } : null;
  const warmKey = warmFor ? JSON.stringify(warmFor) : null;
  useEffect(() => {
    if (!warmKey) return;
    const timer = setTimeout(() => void studio.client.call('generate.warm', JSON.parse(warmKey) as NonNullable<typeof warmFor>).catch(() => undefined), WARM_AFTER_MS);
    return () => clearTimeout(timer);
  }, [warmKey, studio.client]);
  // Live mode: each edit redraws with the seed shown; the newest image waits on the staging area like any result.
  const live = useEditor((s) => s.live);
  const liveRedraw = async (settings: GenerationSettings) => {
    try {
      const { document, assets } = project;
      const pictures = document.layers.length === 0 ? {} : await canvasRequest(studio.client, document, assets, editorStore.getState().run.startFrom);
      const result = await generation.generate({ ...settings, ...pictures }, undefined, true);
      if (result) stage(result.images.map((image) => ({ id: image.id, live: true, url: studio.galleryUrl(galleryFile(image.id, 'live')), name: `Result ${image.seed}` })));
    } catch (e) {
      setNotice(`Live mode: ${(e as Error).message}`);
    }
  };
  useLiveRedraw({
    enabled: live && next !== null && Object.keys(sizeErrors).length === 0,
    edit: [JSON.stringify(next), project.document],
    running: generation.running,
    redraw: () => liveRedraw(next!),
    cancel: generation.cancel,
  });
  // Only a size the run can make (not one half typed).
  const [runWidth, runHeight] = next && !sizeErrors.width && !sizeErrors.height ? [next.width!, next.height!] : [null, null];
  useEffect(() => {
    if (runWidth && runHeight) fitPixelFreeCanvas({ width: runWidth, height: runHeight });
  }, [runWidth, runHeight, project.document]);
  const page = project.document.canvas;
  const offerSize = runWidth && runHeight && (runWidth !== page.width || runHeight !== page.height) ? { width: runWidth, height: runHeight } : null;

  // A PNG dropped on the studio offers what a gallery result does: its settings go to the panel.
  const onDrop = async (event: DragEvent<HTMLDivElement>) => {
    const file = [...event.dataTransfer.files].find((f) => f.type.startsWith('image/'));
    if (!file) return;
    event.preventDefault();
    // Compressed text chunks are rare in generators' PNGs; they are skipped here rather than inflated.
    const text = readPngText(new Uint8Array(await file.arrayBuffer()), () => new Uint8Array());
    const preset = text ? presetFromText(text, generationInfoOf(text), library.listing) : null;
    // A picture that says how it was made offers its settings; any other becomes a layer.
    if (preset) {
      setRun(preset);
      setNotice(`Settings from ${file.name}`);
    } else importFiles([file]);
  };

  const withRecord = (id: string, use: (preset: RecalledRun, parameters: string | null) => void) =>
    gallery.record(id).then(
      (record) => use(presetOf(record, library.listing), record.parameters),
      (e: Error) => setNotice(e.message),
    );
  return (
    <div className={`studio theme-${theme}`} data-theme={theme} onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()} onDrop={(e) => void onDrop(e)}>
      <header className="title-bar">
        <h1>Wordbrush</h1>
        <ProjectBar
          project={project}
          onImport={importFiles}
          onExport={() => void compositePng(project.document.canvas, canvasLayers).then((url) => download(url, `${project.name ?? 'wordbrush-canvas'}.png`))}
        />
      </header>
      <aside className="left-dock">
        <PromptPanel client={studio.client} listing={library.listing} providers={state.providers} generation={fromCanvas} />
      </aside>
      <main className="centre">
        <CanvasArea page={page} runSize={offerSize} generation={fromCanvas} client={studio.client} onHint={setNotice} />
        <GalleryStrip
          items={gallery.items}
          selected={selected?.id ?? null}
          trashed={gallery.trashed}
          hasMore={gallery.hasMore}
          notice={notice ?? gallery.error}
          urlOf={studio.galleryUrl}
          actions={{
            select: (id) => {
              setPicked(id);
              const item = gallery.items.find((i) => i.id === id);
              stageResults([{ id, seed: item?.info?.seed }]);
            },
            useSettings: (id) => void withRecord(id, setRun),
            useEverything: (id) =>
              void withRecord(id, (preset) =>
                studio.client.call('gallery.document', { id }).then(
                  (data) => project.adopt(data, preset),
                  () => {
                    setRun(preset);
                    setNotice('No canvas document was kept with that image; its settings are in the panel');
                  },
                ),
              ),
            rerun: (id) =>
              void withRecord(id, (preset) => {
                const model = library.listing.models.find((m) => m.id === preset.model);
                if (!model?.defaults) return setNotice('The model of that image is not in the library');
                setRun({ ...preset, seed: randomSeed() });
                void runAndStage(generationSettingsOf(editorStore.getState().run, { id: model.id, defaults: model.defaults }));
              }),
            copyParameters: (id) =>
              void withRecord(id, (_preset, parameters) =>
                navigator.clipboard.writeText(parameters ?? '').then(
                  () => setNotice('Parameters copied'),
                  () => setNotice('The clipboard cannot be written here'),
                ),
              ),
            sendToCanvas: (id) =>
              void fetch(studio.galleryUrl(galleryFile(id)))
                .then((response) => response.blob())
                .then(toPngAsset)
                .then(({ url, width, height }) => addImage(url, width, height, id), () => setNotice('The image could not be read')),
            star: gallery.star,
            trash: gallery.trash,
            undoTrash: gallery.undoTrash,
            emptyTrash: gallery.emptyTrash,
            openFolder: state.info?.mode === 'electron' ? gallery.openFolder : undefined,
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
