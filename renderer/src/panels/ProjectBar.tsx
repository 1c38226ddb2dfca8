import { useRef, useState } from 'react';
import type { ProjectState } from '../document/use-project';

interface Props {
  readonly project: ProjectState;
  readonly onImport: (files: readonly File[]) => void;
  readonly onExport: () => void;
}

/** New, Open, Save, Save As, Import image, Export PNG; the project's name, and a dot while it has unsaved changes. */
export function ProjectBar({ project, onImport, onExport }: Props) {
  const [saveAs, setSaveAs] = useState(false);
  const [name, setName] = useState('');
  const picker = useRef<HTMLInputElement>(null);
  return (
    <nav className="project-bar" aria-label="Project">
      <span className="project-name" data-testid="project-name" data-dirty={project.dirty}>
        {project.name ?? 'Untitled'}
        {project.dirty && <span aria-label="unsaved changes"> ●</span>}
      </span>
      <button type="button" onClick={project.newProject}>
        New
      </button>
      <select aria-label="Open project" value="" onChange={(e) => e.target.value && project.open(e.target.value)}>
        <option value="">Open…</option>
        {project.recent.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => (project.name ? project.save(project.name) : setSaveAs(true))} title="Save (Ctrl+S)">
        Save
      </button>
      {saveAs ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            project.save(name.trim());
            setSaveAs(false);
          }}
        >
          <input aria-label="Project name" value={name} onChange={(e) => setName(e.target.value)} autoFocus placeholder="my-scene" />
          <button type="submit" disabled={!name.trim()}>
            Save as
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => setSaveAs(true)}>
          Save as…
        </button>
      )}
      <button type="button" onClick={project.undo} disabled={!project.canUndo} title="Undo (Ctrl+Z)" aria-label="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={project.redo} disabled={!project.canRedo} title="Redo (Shift+Ctrl+Z)" aria-label="Redo (Shift+Ctrl+Z)">
        Redo
      </button>
      <button type="button" onClick={() => picker.current?.click()}>
        Import image
      </button>
      <input ref={picker} type="file" accept="image/png,image/jpeg,image/webp" hidden aria-label="Image to import" onChange={(e) => {
          if (e.target.files) onImport([...e.target.files]);
          // Cleared, so that choosing the same file again imports it again.
          e.target.value = '';
        }}
      />
      <button type="button" onClick={onExport} disabled={project.document.layers.length === 0}>
        Export PNG
      </button>
      {project.error && (
        <span className="status-error" role="alert" data-testid="project-error">
          {project.error}
        </span>
      )}
      {project.recovery && (
        <span className="notice" role="status">
          Unsaved work from {project.recovery.savedAt ? new Date(project.recovery.savedAt).toLocaleTimeString() : 'an earlier run'} was kept.{' '}
          <button type="button" onClick={project.restore}>
            Restore
          </button>{' '}
          <button type="button" onClick={project.discardRecovery}>
            Discard
          </button>
        </span>
      )}
    </nav>
  );
}
