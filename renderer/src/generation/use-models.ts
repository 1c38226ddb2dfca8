import { useEffect, useState } from 'react';
import type { ModelEntry } from '../../../app/contract/studio';
import type { StudioConnection } from '../connection/studio-client';
import type { ConnectionState } from '../connection/socket-port';

/** The library's models, fetched again whenever the connection comes (back) up. */
export function useModels(studio: StudioConnection, connection: ConnectionState): readonly ModelEntry[] {
  const [models, setModels] = useState<readonly ModelEntry[]>([]);
  useEffect(() => {
    if (connection !== 'connected') return;
    let current = true;
    studio.client.call('models.list', {}).then(
      (list) => current && setModels(list),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [studio, connection]);
  return models;
}
