import { useState } from 'react';
import type { ModelActions } from '../../generation/use-models';

/** Import a folder or zip already on this machine, or download by repository id. */
export function AddModelForms({ actions }: { readonly actions: ModelActions }) {
  const [path, setPath] = useState('');
  const [inPlace, setInPlace] = useState(false);
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('main');
  const [subfolder, setSubfolder] = useState('');
  const [fp16, setFp16] = useState(false);
  return (
    <>
      <form
        className="add-form"
        aria-label="Import a model"
        onSubmit={(e) => {
          e.preventDefault();
          void actions.importModel(path.trim(), inPlace);
        }}
      >
        <label>
          <span>Model folder or .zip (full path)</span>
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/models/sd15-onnx" spellCheck={false} />
        </label>
        <label className="check">
          <input type="checkbox" checked={inPlace} onChange={(e) => setInPlace(e.target.checked)} /> Use the folder where it is (no copy)
        </label>
        <button type="submit" disabled={!path.trim()}>
          Import
        </button>
      </form>
      <form
        className="add-form"
        aria-label="Download from the hub"
        onSubmit={(e) => {
          e.preventDefault();
          void actions.download({ repo: repo.trim(), revision: revision.trim() || 'main', subfolder: subfolder.trim() || null, variant: fp16 ? 'fp16' : null });
        }}
      >
        <label>
          <span>Hub repository</span>
          <input value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="owner/name" spellCheck={false} />
        </label>
        <div className="field-grid">
          <label>
            <span>Revision</span>
            <input value={revision} onChange={(e) => setRevision(e.target.value)} spellCheck={false} />
          </label>
          <label>
            <span>Subfolder</span>
            <input value={subfolder} onChange={(e) => setSubfolder(e.target.value)} placeholder="(root)" spellCheck={false} />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={fp16} onChange={(e) => setFp16(e.target.checked)} /> Half-precision files (model.fp16.onnx) where present
        </label>
        <button type="submit" disabled={!repo.trim()}>
          Download
        </button>
      </form>
    </>
  );
}
