import { join } from 'node:path';
import { readTokenizerSource } from '../engine/text/load-tokenizer';
import type { ModelEntry } from '../../app/contract/models';
import type { StudioContract } from '../../app/contract/studio';
import type { Handlers } from '../../app/rpc/router';
import { readCatalog } from './catalog';
import type { DownloadManager } from './hub/download-manager';
import type { HubToken } from './hub/hub-token';
import { importModel } from './import-model';
import { LibraryError } from './library-error';
import type { ModelLibrary } from './model-library';

type Calls = StudioContract['calls'];
type ModelCall = Extract<keyof Calls, `models.${string}` | `hub.${string}`>;

export interface ModelCallsOptions {
  readonly library: ModelLibrary;
  readonly downloads: DownloadManager;
  readonly token: HubToken;
  readonly catalogFile: string;
  /** Models a running generation uses: they cannot be removed. */
  readonly inUse: () => ReadonlySet<string>;
  /** Releases the inference process's sessions, so a model's files can go. */
  readonly unload: () => Promise<unknown>;
  /** Shows a folder in the file manager; absent in browser mode. */
  readonly openFolder?: ((path: string) => Promise<boolean>) | undefined;
  readonly changed: () => void;
}

/** The handlers of the models.* and hub.* calls: the model manager, as the renderer drives it. */
export function modelCalls(options: ModelCallsOptions): Pick<Handlers<Calls, unknown>, ModelCall> {
  const { library, downloads, token } = options;
  const entry = async (id: string): Promise<ModelEntry> => {
    const found = (await library.list()).models.find((m) => m.id === id);
    if (!found) throw new LibraryError('unknown-model', `There is no model "${id}" in the library`);
    return found;
  };
  const changing = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = await work();
    options.changed();
    return result;
  };
  return {
    'models.list': () => library.list(),
    'models.import': (input) => changing(() => importModel(library, input)),
    'models.download': (input) => downloads.start(input),
    'models.downloads': () => downloads.list(),
    'models.download.pause': ({ id }) => downloads.pause(id),
    'models.download.resume': ({ id }) => downloads.resume(id),
    'models.download.cancel': ({ id }) => downloads.cancel(id),
    'models.verify': ({ id }) => library.verify(id),
    'models.tokenizer': async ({ id }) => {
      const { folder } = await library.resolve(id);
      const { files, padToken } = await readTokenizerSource(join(folder, 'tokenizer'));
      return { vocab: files.vocab, merges: files.merges, padToken };
    },
    'models.remove': ({ id }) =>
      changing(async () => {
        if (options.inUse().has(id)) throw new LibraryError('model-in-use', `Model "${id}" is generating; cancel or wait for the run before removing it`);
        await options.unload();
        await library.remove(id);
        return { removed: true as const };
      }),
    'models.rename': ({ id, name }) => changing(async () => (await library.rename(id, name), entry(id))),
    'models.setFamily': ({ id, family }) => changing(async () => (await library.setFamily(id, family), entry(id))),
    'models.setDefault': ({ id }) => changing(async () => (await library.setDefault(id), library.list())),
    'models.openFolder': async ({ id }) => ({ opened: options.openFolder ? await options.openFolder(await library.folderOf(id)) : false }),
    'models.catalog': async () => {
      const installed = (await library.list()).models;
      return (await readCatalog(options.catalogFile)).map((c) => ({
        ...c,
        installedId: installed.find((m) => m.source.kind === 'hub' && m.source.repo === c.repo && m.source.revision === c.revision && m.source.subfolder === c.subfolder)?.id ?? null,
      }));
    },
    'hub.token': () => token.status(),
    'hub.token.set': async ({ token: value }) => (await token.store(value), token.status()),
  };
}
