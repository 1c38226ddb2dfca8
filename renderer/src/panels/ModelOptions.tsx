import type { ModelEntry } from '../../../app/contract/models';

/** The library's usable models as a menu's options, each with its family: the run's model and each expert's. */
export function ModelOptions({ models }: { readonly models: readonly ModelEntry[] }) {
  return (
    <>
      {models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name} ({m.family})
        </option>
      ))}
    </>
  );
}
