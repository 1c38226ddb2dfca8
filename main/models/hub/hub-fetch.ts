import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first wait; each later one doubles (a server's Retry-After wins, up to a minute). */
  readonly baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000 };
const MAX_REDIRECTS = 10;

/** Worth trying again: the server is busy or failing, not saying no. */
export const isRetryableStatus = (status: number) => status === 429 || status === 408 || status >= 500;

/**
 * One request to the hub, following redirects by hand so the token goes to
 * the hub's own origin only: the hub sends downloads on to a CDN on another
 * host, and a token must never travel there (huggingface_hub does the same).
 */
export async function fetchFollowing(url: string, init: RequestInit, hubOrigin: string, token: string | null): Promise<Response> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    if (token && current.origin === hubOrigin) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(current, { ...init, headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    current = new URL(location, current);
    if (current.protocol !== 'https:' && current.protocol !== 'http:') throw new Error(`The hub redirected to ${current.protocol} URL`);
  }
  throw new Error(`More than ${MAX_REDIRECTS} redirects from ${url}`);
}

/** The wait before try `attempt` (1 = the first retry), or what the server asked for. */
export function backoffMs(policy: RetryPolicy, attempt: number, response?: Response): number {
  const retryAfter = Number(response?.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, 60_000);
  return policy.baseDelayMs * 2 ** (attempt - 1);
}

export const wait = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal });

/**
 * A fetch for the hub API (used by @huggingface/hub's listing): redirects as
 * above, and busy or failing answers and dropped connections tried again with
 * backoff. The token is set here, not by the library, so it follows the same rule.
 */
export function hubApiFetch(hubOrigin: string, token: string | null, policy: RetryPolicy, signal?: AbortSignal): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetchFollowing(url, { ...init, signal: signal ?? null }, hubOrigin, token);
      } catch (error) {
        if (signal?.aborted || attempt >= policy.attempts) throw error;
        await wait(backoffMs(policy, attempt), signal);
        continue;
      }
      if (!isRetryableStatus(response.status) || attempt >= policy.attempts) return response;
      await response.body?.cancel();
      await wait(backoffMs(policy, attempt, response), signal);
    }
  };
}
