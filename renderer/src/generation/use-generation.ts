import { useCallback, useEffect, useRef, useState } from 'react';
import type { GenerationProgress, GenerationResult, GenerationSettings } from '../../../app/contract/generation';
import { StudioError } from '../../../app/rpc/errors';
import type { StudioConnection } from '../connection/studio-client';

export interface GalleryItem {
  readonly url: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly prompt: string;
}

export interface GenerationState {
  readonly running: boolean;
  readonly progress: GenerationProgress | null;
  /** The latest preview of the running job (previews come with some steps, not all). */
  readonly preview: string | null;
  readonly error: string | null;
  readonly warnings: readonly string[];
  /** Which execution provider ran each model part in the last run. */
  readonly providers: Readonly<Record<string, string>>;
  /** Results of this session, newest first. */
  readonly gallery: readonly GalleryItem[];
  generate(settings: GenerationSettings): void;
  cancel(): void;
}

const newJobId = () => `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Runs generations through the contract: one at a time, progress and previews from events, cancel by job id. */
export function useGeneration(studio: StudioConnection): GenerationState {
  const { client } = studio;
  const job = useRef<string | null>(null);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<GenerationProgress | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<readonly string[]>([]);
  const [providers, setProviders] = useState<Readonly<Record<string, string>>>({});
  const [gallery, setGallery] = useState<readonly GalleryItem[]>([]);

  useEffect(
    () =>
      client.on('generation.progress', (p) => {
        if (p.jobId !== job.current) return;
        setProgress(p);
        if (p.preview) setPreview(p.preview);
      }),
    [client],
  );

  const generate = useCallback(
    (settings: GenerationSettings) => {
      if (job.current) return;
      const jobId = newJobId();
      job.current = jobId;
      setRunning(true);
      setProgress(null);
      setPreview(null);
      setError(null);
      client
        .call('generate', { jobId, settings })
        .then(
          (result: GenerationResult) => {
            setWarnings(result.warnings);
            setProviders(result.providers);
            const items = result.images.map((image) => ({ url: studio.galleryUrl(image.path), seed: image.seed, width: image.width, height: image.height, prompt: settings.prompt }));
            setGallery((previous) => [...items.reverse(), ...previous]);
          },
          (e: unknown) => setError(e instanceof StudioError && e.code === 'cancelled' ? null : e instanceof Error ? e.message : String(e)),
        )
        .finally(() => {
          job.current = null;
          setRunning(false);
          setProgress(null);
          setPreview(null);
        });
    },
    [client, studio],
  );

  const cancel = useCallback(() => {
    if (job.current) void client.call('generate.cancel', { jobId: job.current }).catch(() => undefined);
  }, [client]);

  return { running, progress, preview, error, warnings, providers, gallery, generate, cancel };
}
