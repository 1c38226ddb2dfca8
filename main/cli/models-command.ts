import type { DownloadStatus, ModelEntry } from '../../app/contract/models';
import type { Library } from '../core/data-dir';
import { DownloadManager } from '../models/hub/download-manager';
import { HubToken } from '../models/hub/hub-token';
import { importModel } from '../models/import-model';
import { ModelLibrary } from '../models/model-library';
import { EXIT, type ModelsCommand } from './cli-args';
import { formatBytes, formatDuration } from '../../app/domain/units';

/** `cli models …`: the model manager without the studio, on the same library. */
export async function runModelsCommand(command: ModelsCommand, paths: Library): Promise<number> {
  const library = new ModelLibrary(paths.models);
  switch (command.action) {
    case 'list': {
      const listing = await library.list();
      if (command.json) {
        console.log(JSON.stringify(listing, null, 2));
        return EXIT.ok;
      }
      for (const problem of listing.problems) console.warn(`warning: ${problem}`);
      if (listing.models.length === 0) console.log(`No models in ${library.dir}`);
      for (const model of listing.models) console.log(describe(model));
      return EXIT.ok;
    }
    case 'import': {
      const entry = await importModel(library, { path: command.path, inPlace: command.inPlace, id: command.id, name: command.name });
      console.log(`Imported ${describe(entry)}`);
      return EXIT.ok;
    }
    case 'download': {
      const token = new HubToken(paths.hubTokenFile, null);
      const downloads = new DownloadManager({ library, hub: { endpoint: token.endpoint, token: () => token.read() }, onStatus: report, onInstalled: () => undefined, progressIntervalMs: 500 });
      await downloads.restore();
      const started = await downloads.start(command.request);
      const stop = () => void downloads.pause(started.id);
      process.once('SIGINT', stop);
      const status = await downloads.whenDone(started.id);
      process.off('SIGINT', stop);
      process.stderr.write('\n');
      if (status.phase !== 'done') {
        console.error(status.phase === 'paused' ? `Paused; run the same command again to resume ${started.id}` : `Download failed: ${status.error ?? status.phase}`);
        return EXIT.failed;
      }
      console.log(`Downloaded ${command.request.repo}@${status.commit} as "${status.id}", every file verified`);
      return EXIT.ok;
    }
    case 'verify': {
      const report = await library.verify(command.id);
      for (const mismatch of report.mismatches) console.log(`${mismatch.path}: ${mismatch.problem}`);
      console.log(report.ok ? `${command.id}: every file matches` : `${command.id}: ${report.mismatches.length} problem(s)`);
      return report.ok ? EXIT.ok : EXIT.verifyMismatch;
    }
    case 'remove':
      await library.remove(command.id);
      console.log(`Removed ${command.id}`);
      return EXIT.ok;
  }
}

function describe(model: ModelEntry): string {
  const size = formatBytes(model.sizeBytes);
  const state = model.problem ? `unusable: ${model.problem}` : (model.family ?? '');
  const flags = [model.isDefault ? 'default' : '', model.location, ...model.manifestMismatch.map((m) => `changed: ${m}`)].filter(Boolean).join(', ');
  return `${model.id}\t${model.name}\t${state}\t${size}\t${flags}`;
}

function report(status: DownloadStatus): void {
  const percent = status.bytesTotal > 0 ? ((100 * status.bytesDone) / status.bytesTotal).toFixed(1) : '0.0';
  const eta = status.etaSeconds === null ? '' : `, ${formatDuration(status.etaSeconds)} left`;
  process.stderr.write(`\r${status.id}: ${status.phase} ${percent}% of ${formatBytes(status.bytesTotal)}, ${formatBytes(status.bytesPerSecond)}/s${eta}   `);
}
