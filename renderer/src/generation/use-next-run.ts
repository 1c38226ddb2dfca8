import type { ModelListing } from '../../../app/contract/models';
import { chosenModel, generationSettingsOf, runFieldErrors } from '../../../app/document/run-settings';
import { useEditor } from '../document/editor-store';

/**
 * The next run as the store's settings make it: the model it takes, the
 * contract's settings (null without a usable model) and what is wrong with
 * them, by field. One derivation for the panel that edits it and the canvas
 * whose page follows its size.
 */
export function useNextRun(listing: ModelListing) {
  const run = useEditor((s) => s.run);
  const model = chosenModel(listing, run);
  const settings = model?.defaults ? generationSettingsOf(run, { id: model.id, defaults: model.defaults }) : null;
  return { run, model, settings, fieldErrors: settings ? runFieldErrors(settings) : {} };
}
