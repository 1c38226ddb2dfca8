import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { AppInfo, InferenceStatus } from '../../../app/contract/studio';
import type { JobProgress } from '../../../app/contract/inference';
import type { ProviderReport } from '../../../app/contract/providers';
import type { ConnectionState } from './socket-port';
import type { StudioConnection } from './studio-client';

export interface StudioState {
  readonly connection: ConnectionState;
  readonly info: AppInfo | null;
  readonly inference: InferenceStatus | null;
  readonly providers: readonly ProviderReport[];
  readonly progress: JobProgress | null;
  readonly error: string | null;
  /** Probe the execution providers again (after installing a driver, say). */
  reprobe(): void;
  /** Start the inference process again, e.g. after it crashed too often. */
  restartInference(): void;
}

/**
 * What the shell shows about main and the inference process, kept current
 * from the contract's events; providers are fetched again whenever a new
 * inference process becomes ready (a restarted one probes anew).
 */
export function useStudioState(studio: StudioConnection): StudioState {
  const connection = useSyncExternalStore(studio.onState, studio.state);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [inference, setInference] = useState<InferenceStatus | null>(null);
  const [providers, setProviders] = useState<readonly ProviderReport[]>([]);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { client } = studio;
  const fail = useCallback((e: Error) => setError(e.message), []);

  useEffect(() => client.on('job.progress', setProgress), [client]);
  useEffect(
    () =>
      client.on('inference.status', (status) => {
        setInference(status);
        if (status.state === 'ready') {
          client.call('inference.providers', {}).then(setProviders, fail);
        }
      }),
    [client, fail],
  );
  useEffect(() => {
    if (connection !== 'connected') return;
    client.call('inference.status', {}).then(setInference, fail);
    client.call('app.info', {}).then(
      (answer) => {
        setInfo(answer);
        setInference(answer.inference);
        setProviders(answer.executionProviders);
        setError(null);
      },
      fail,
    );
  }, [client, connection, fail]);

  const reprobe = useCallback(() => void client.call('inference.providers', { refresh: true }).then(setProviders, fail), [client, fail]);
  const restartInference = useCallback(() => void client.call('inference.restart', {}).then(setInference, fail), [client, fail]);

  return { connection, info, inference, providers, progress, error, reprobe, restartInference };
}
