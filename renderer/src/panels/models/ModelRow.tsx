import { useState } from 'react';
import { FamilyId } from '../../../../app/contract/generation';
import type { ModelEntry } from '../../../../app/contract/models';
import type { ModelActions } from '../../generation/use-models';
import { formatBytes } from '../../../../app/domain/units';

interface Props {
  readonly model: ModelEntry;
  readonly actions: ModelActions;
  /** Opening folders needs the desktop app. */
  readonly canOpenFolders: boolean;
}

/** One model of the library: what it is, what is wrong with it, and what can be done to it. */
export function ModelRow({ model, actions, canOpenFolders }: Props) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(model.name);
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="model-row" aria-label={model.name} data-model-id={model.id}>
      <div className="model-head">
        <strong>{model.name}</strong>
        {model.isDefault && <span className="badge">default</span>}
        <small>
          {model.family ?? 'unusable'} · {formatBytes(model.sizeBytes)} · {model.location}
          {model.nativeSize ? ` · ${model.nativeSize.width}×${model.nativeSize.height}` : ''}
        </small>
      </div>
      {model.problem && (
        <p className="bad" role="alert">
          {model.problem}
        </p>
      )}
      {model.manifestMismatch.length > 0 && <p className="warning">Changed since it was added: {model.manifestMismatch.join('; ')}</p>}
      {renaming ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void actions.rename(model.id, name).then(() => setRenaming(false));
          }}
        >
          <input aria-label={`New name for ${model.name}`} value={name} onChange={(e) => setName(e.target.value)} autoFocus onKeyDown={(e) => e.key === 'Escape' && setRenaming(false)} />
          <button type="submit">Save</button>
        </form>
      ) : confirming ? (
        <div className="inline-form" role="group" aria-label={`Remove ${model.name}?`}>
          <span>Remove {model.name} and its files?</span>
          <button type="button" className="danger" onClick={() => void actions.remove(model.id).then(() => setConfirming(false))}>
            Remove for good
          </button>
          <button type="button" onClick={() => setConfirming(false)} autoFocus>
            Keep
          </button>
        </div>
      ) : (
        <div className="model-actions">
          {!model.isDefault && !model.problem && (
            <button type="button" onClick={() => void actions.setDefault(model.id)} aria-label={`Make ${model.name} the default`}>
              Make default
            </button>
          )}
          <button type="button" onClick={() => void actions.verify(model.id)} aria-label={`Verify ${model.name}`}>
            Verify
          </button>
          {model.managed && (
            <>
              <button type="button" onClick={() => setRenaming(true)} aria-label={`Rename ${model.name}`}>
                Rename
              </button>
              <select aria-label={`Family of ${model.name}`} value={model.familyOverridden ? (model.family ?? '') : ''} onChange={(e) => void actions.setFamily(model.id, e.target.value ? FamilyId.parse(e.target.value) : null)}>
                <option value="">Detected ({model.detectedFamily ?? 'none'})</option>
                {FamilyId.options.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
              <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove ${model.name}`}>
                Remove
              </button>
            </>
          )}
          {canOpenFolders && (
            <button type="button" onClick={() => void actions.openFolder(model.id)} aria-label={`Open the folder of ${model.name}`}>
              Folder
            </button>
          )}
        </div>
      )}
    </li>
  );
}
