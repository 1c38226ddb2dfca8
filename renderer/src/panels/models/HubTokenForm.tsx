import { useState } from 'react';
import type { HubTokenStatus } from '../../../../app/contract/models';
import type { ModelActions } from '../../generation/use-models';

const SOURCES: Readonly<Record<HubTokenStatus['source'], string>> = {
  environment: 'HF_TOKEN from the environment is used',
  stored: 'A stored token is used',
  none: 'No token: public repositories only',
};

/** The hub token: written here, never shown again (main keeps it encrypted or private to the user). */
export function HubTokenForm({ status, actions }: { readonly status: HubTokenStatus | null; readonly actions: ModelActions }) {
  const [token, setToken] = useState('');
  if (!status) return null;
  return (
    <form
      className="add-form"
      aria-label="Hub token"
      onSubmit={(e) => {
        e.preventDefault();
        void actions.setToken(token.trim()).then(() => setToken(''));
      }}
    >
      <p className="description">
        {SOURCES[status.source]} for {status.endpoint}. Kept {status.storage === 'os-keychain' ? "in the system's keychain" : 'in a file only you can read'}.
      </p>
      <label>
        <span>Access token</span>
        <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" placeholder="hf_…" />
      </label>
      <button type="submit" disabled={token.trim().length < 8}>
        Save token
      </button>
      {status.source === 'stored' && (
        <button type="button" onClick={() => void actions.setToken(null)}>
          Forget token
        </button>
      )}
    </form>
  );
}
