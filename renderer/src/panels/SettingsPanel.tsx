import { useEffect, useState } from 'react';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import type { StudioSettings } from '../../../app/contract/settings';
import { StudioError } from '../../../app/rpc/errors';
import type { StudioConnection } from '../connection/studio-client';
import type { ConnectionState } from '../connection/socket-port';

/** The settings main keeps, fetched when the connection comes (back) up; the theme applies at once. */
export function useSettings(studio: StudioConnection, connection: ConnectionState) {
  const [settings, setSettings] = useState<StudioSettings | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (connection !== 'connected') return;
    studio.client.call('settings.get', {}).then(
      (answer) => {
        setSettings(answer.settings);
        setProblem(answer.problem);
      },
      () => undefined,
    );
  }, [studio, connection]);
  const save = async (change: Partial<StudioSettings>) => {
    const answer = await studio.client.call('settings.set', change);
    setSettings(answer.settings);
    setProblem(answer.problem);
  };
  return { settings, problem, save };
}

interface Props {
  readonly settings: StudioSettings;
  readonly problem: string | null;
  readonly providers: readonly ProviderReport[];
  readonly save: (change: Partial<StudioSettings>) => Promise<void>;
}

/** Library and gallery folders, the default execution provider, the theme and the autosave interval, checked by main before they are kept. */
export function SettingsPanel({ settings, problem, providers, save }: Props) {
  const [draft, setDraft] = useState({ libraryDir: settings.libraryDir ?? '', galleryDir: settings.galleryDir ?? '', autosaveSeconds: settings.autosaveSeconds });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const fieldError = (name: string) =>
    errors[name] && (
      <small className="field-error" id={`settings-${name}-error`} role="alert">
        {errors[name]}
      </small>
    );
  const apply = (change: Partial<StudioSettings>) =>
    save(change).then(
      () => {
        setErrors({});
        setSaved(true);
      },
      (e: unknown) => {
        setSaved(false);
        setErrors(e instanceof StudioError && e.issues ? Object.fromEntries(e.issues.map((i) => [i.path, i.message])) : { form: (e as Error).message });
      },
    );
  return (
    <form
      className="add-form"
      aria-label="Settings"
      onSubmit={(e) => {
        e.preventDefault();
        void apply({ libraryDir: draft.libraryDir.trim() || null, galleryDir: draft.galleryDir.trim() || null, autosaveSeconds: draft.autosaveSeconds });
      }}
    >
      {problem && <p className="warning">{problem}</p>}
      <label>
        <span>Theme</span>
        <select value={settings.theme} onChange={(e) => void apply({ theme: e.target.value as StudioSettings['theme'] })}>
          <option value="dark">Dark</option>
          <option value="light">Light</option>
          <option value="system">As the system</option>
        </select>
      </label>
      <label>
        <span>Run on by default</span>
        <select value={settings.defaultProvider ?? ''} onChange={(e) => void apply({ defaultProvider: (e.target.value || null) as ExecutionProviderName | null })}>
          <option value="">Best available</option>
          {providers.map((p) => (
            <option key={p.name} value={p.name} disabled={!p.usable}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Library folder (from the next start)</span>
        <input value={draft.libraryDir} placeholder="(the data folder's models/)" aria-invalid={errors.libraryDir ? true : undefined} onChange={(e) => setDraft({ ...draft, libraryDir: e.target.value })} spellCheck={false} />
        {fieldError('libraryDir')}
      </label>
      <label>
        <span>Gallery folder (from the next start)</span>
        <input value={draft.galleryDir} placeholder="(the data folder's gallery/)" aria-invalid={errors.galleryDir ? true : undefined} onChange={(e) => setDraft({ ...draft, galleryDir: e.target.value })} spellCheck={false} />
        {fieldError('galleryDir')}
      </label>
      <label>
        <span>Autosave after (seconds of no edits)</span>
        <input type="number" min={2} max={600} value={draft.autosaveSeconds} aria-invalid={errors.autosaveSeconds ? true : undefined} onChange={(e) => setDraft({ ...draft, autosaveSeconds: Number(e.target.value) })} />
        {fieldError('autosaveSeconds')}
      </label>
      {fieldError('form')}
      <button type="submit">Save settings</button>
      {saved && <small className="ok"> Saved</small>}
    </form>
  );
}
