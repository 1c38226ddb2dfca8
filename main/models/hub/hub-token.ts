import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { HubTokenStatus } from '../../../app/contract/models';
import { writeAtomic } from '../../files/write-atomic';

export const DEFAULT_HUB = 'https://huggingface.co';

/** Turns the token into bytes only this user's session can read back (Electron's safeStorage). */
export interface TokenCipher {
  encrypt(text: string): Buffer;
  decrypt(data: Buffer): string;
}

/**
 * Where the hub token comes from, as the Hugging Face tools do it: HF_TOKEN
 * first, else the one the user stored. Stored encrypted by the OS keychain
 * under Electron, in a file only the user may read in browser mode; never
 * written to settings or logs, and never sent back to the renderer.
 */
export class HubToken {
  constructor(
    private readonly file: string,
    private readonly cipher: TokenCipher | null,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get endpoint(): string {
    return (this.env.HF_ENDPOINT || DEFAULT_HUB).replace(/\/+$/, '');
  }

  async read(): Promise<string | null> {
    if (this.env.HF_TOKEN) return this.env.HF_TOKEN;
    if (!existsSync(this.file)) return null;
    const data = await readFile(this.file);
    return this.cipher ? this.cipher.decrypt(data) : data.toString('utf8').trim() || null;
  }

  async store(token: string | null): Promise<void> {
    if (token === null) return rm(this.file, { force: true });
    await writeAtomic(this.file, this.cipher ? this.cipher.encrypt(token) : token, 0o600);
  }

  async status(): Promise<HubTokenStatus> {
    return {
      source: this.env.HF_TOKEN ? 'environment' : existsSync(this.file) ? 'stored' : 'none',
      storage: this.cipher ? 'os-keychain' : 'private-file',
      endpoint: this.endpoint,
    };
  }
}
