import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExpertReport, GenerationProgress, GenerationSettings } from '../../../app/contract/generation';
import type { StudioGenerationResult } from '../../../app/contract/studio';
import type { AssetRef } from '../../../app/contract/conditioning';
import { StudioError } from '../../../app/rpc/errors';
import type { StudioConnection } from '../connection/studio-client';

/** Where the current (or last) run is: what the panel says about it. */
export type RunPhase = 'idle' | 'loading' | 'preparing' | 'sampling' | 'done' | 'cancelled' | 'failed';

export interface GenerationState {
  readonly running: boolean;
  /** The running (or last) run is live mode's: quiet, its progress untold. */
  readonly live: boolean;
  readonly phase: RunPhase;
  readonly progress: GenerationProgress | null;
  /** Loading optimises the model's graphs for this machine (its first load here). */
  readonly optimising: boolean;
  /** When the running job started, and when its latest step came (for elapsed time and time left). */
  readonly startedAt: number | null;
  readonly lastStepAt: number | null;
  /** The latest preview of the running job (previews come with some steps, not all). */
  readonly preview: string | null;
  readonly error: string | null;
  /** What the contract refused, by settings field ("width", "seed", …), in its words, with the value it refused. */
  readonly fieldErrors: Readonly<Record<string, FieldError>>;
  readonly warnings: readonly string[];
  /** Which execution provider ran each model part in the last run. */
  readonly providers: Readonly<Record<string, string>>;
  /** The last run's experts, its own model first: the steps each took. */
  readonly experts: readonly ExpertReport[];
  /**
   * Runs the settings; `document` (the canvas, its pictures uploaded as assets) is kept with the results. A live
   * run's image goes to the gallery's `.live/` folder instead. The result, or null when the run did not finish.
   */
  generate(settings: GenerationSettings, document?: KeptDocument, live?: boolean): Promise<StudioGenerationResult | null>;
  cancel(): void;
}

/** A canvas document to keep with a run's results: its pictures by the document's asset ids, as uploaded assets. */
export interface KeptDocument {
  readonly document: unknown;
  readonly assets: Readonly<Record<string, AssetRef>>;
}

export interface FieldError {
  readonly message: string;
  readonly value: unknown;
}

const newJobId = () => `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A refusal's issues by field ("settings.width" is the width field), each with the value that was refused. */
function fieldErrorsOf(error: unknown, settings: GenerationSettings): Record<string, FieldError> {
  if (!(error instanceof StudioError) || error.code !== 'invalid-input' || !error.issues) return {};
  return Object.fromEntries(
    error.issues.map((issue) => {
      const field = issue.path.replace(/^settings\./, '').split('.')[0]!;
      return [field, { message: issue.message, value: (settings as Record<string, unknown>)[field] }];
    }),
  );
}

/** Runs generations through the contract: one at a time, progress and previews from events, cancel by job id. */
export function useGeneration(studio: StudioConnection): GenerationState {
  const { client } = studio;
  const job = useRef<string | null>(null);
  const [phase, setPhase] = useState<RunPhase>('idle');
  const [live, setLive] = useState(false);
  const [progress, setProgress] = useState<GenerationProgress | null>(null);
  const [optimising, setOptimising] = useState(false);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [lastStepAt, setLastStepAt] = useState<number | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Readonly<Record<string, FieldError>>>({});
  const [warnings, setWarnings] = useState<readonly string[]>([]);
  const [providers, setProviders] = useState<Readonly<Record<string, string>>>({});
  const [experts, setExperts] = useState<readonly ExpertReport[]>([]);

  useEffect(
    () =>
      client.on('generation.progress', (p) => {
        if (p.jobId !== job.current) return;
        setPhase(p.phase);
        setOptimising(p.optimising === true);
        if (p.phase !== 'sampling') return;
        setProgress(p);
        setLastStepAt(Date.now());
        if (p.preview) setPreview(p.preview);
      }),
    [client],
  );

  const generate = useCallback(
    (settings: GenerationSettings, document?: KeptDocument, liveRun = false) => {
      if (job.current) return Promise.resolve(null);
      const jobId = newJobId();
      job.current = jobId;
      // A new run starts clean: nothing of the last one's outcome stays on screen.
      setLive(liveRun);
      setPhase('loading');
      setStartedAt(Date.now());
      setLastStepAt(null);
      setProgress(null);
      setPreview(null);
      setError(null);
      setFieldErrors({});
      setWarnings([]);
      setProviders({});
      setExperts([]);
      return client
        .call('generate', { jobId, settings, ...(document ? { document } : {}), ...(liveRun ? { live: true } : {}) })
        .then(
          (result) => {
            // The images reach the gallery through gallery.changed, in every window.
            setPhase('done');
            setWarnings(result.warnings);
            setProviders(result.providers);
            setExperts(result.experts ?? []);
            return result;
          },
          (e: unknown) => {
            if (e instanceof StudioError && e.code === 'cancelled') {
              setPhase('cancelled');
              return null;
            }
            setPhase('failed');
            const fields = fieldErrorsOf(e, settings);
            setFieldErrors(fields);
            const names = Object.keys(fields);
            setError(names.length > 0 ? `Not run: check ${names.join(', ')}` : e instanceof Error ? e.message : String(e));
            return null;
          },
        )
        .finally(() => {
          job.current = null;
          setProgress(null);
          setPreview(null);
        });
    },
    [client],
  );

  const cancel = useCallback(() => {
    if (job.current) void client.call('generate.cancel', { jobId: job.current }).catch(() => undefined);
  }, [client]);

  const running = phase === 'loading' || phase === 'preparing' || phase === 'sampling';
  return { running, live, phase, progress, optimising, startedAt, lastStepAt, preview, error, fieldErrors, warnings, providers, experts, generate, cancel };
}
