import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit, type Response as UndiciResponse } from 'undici';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first wait; each later one doubles (a server's Retry-After wins, up to a minute). */
  readonly baseDelayMs: number;
  /** A transfer that receives no byte (headers or body) for this long is dropped and tried again from where it stopped. */
  readonly readTimeoutMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, readTimeoutMs: 30_000 };
const MAX_REDIRECTS = 10;

export type HubResponse = UndiciResponse;

/**
 * A request that can never succeed as asked (a redirect loop, a redirect to
 * another scheme): trying it again only wastes the user's time.
 */
export class PermanentRequestError extends Error {}

/** Worth trying again: the server is busy or failing, not saying no. */
export const isRetryableStatus = (status: number) => status === 429 || status === 408 || status >= 500;

/**
 * One dispatcher per read timeout. undici's own package rather than Node's
 * bundled fetch: the undici inside Node 22 kills the process with an
 * uncatchable `assert(!this.paused)` when a server closes the connection while
 * a body waits under backpressure (nodejs/undici#5360, fixed in the package);
 * and its dispatcher lets a silent server time out in seconds, not undici's
 * default five minutes.
 */
const agents = new Map<number, Agent>();
function agentFor(readTimeoutMs: number): Agent {
  let agent = agents.get(readTimeoutMs);
  if (!agent) {
    agent = new Agent({ headersTimeout: readTimeoutMs, bodyTimeout: readTimeoutMs, connectTimeout: readTimeoutMs });
    agents.set(readTimeoutMs, agent);
  }
  return agent;
}

export interface HubRequestInit {
  readonly headers?: Record<string, string> | Headers;
  readonly signal?: AbortSignal | null;
  readonly method?: string;
  readonly readTimeoutMs?: number;
}

/**
 * One request to the hub, following redirects by hand so the token goes to
 * the hub's own origin only: the hub sends downloads on to a CDN on another
 * host, and a token must never travel there (huggingface_hub does the same).
 */
export async function fetchFollowing(url: string, init: HubRequestInit, hubOrigin: string, token: string | null): Promise<HubResponse> {
  let current = new URL(url);
  const dispatcher = agentFor(init.readTimeoutMs ?? DEFAULT_RETRY.readTimeoutMs!);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'https:' && current.protocol !== 'http:') throw new PermanentRequestError(`The hub redirected to a ${current.protocol} URL, which is never followed`);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      if (name !== 'authorization') headers[name] = value;
    });
    if (token && current.origin === hubOrigin) headers.authorization = `Bearer ${token}`;
    const request: UndiciRequestInit = { method: init.method ?? 'GET', headers, redirect: 'manual', signal: init.signal ?? null, dispatcher };
    const response = await undiciFetch(current, request);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    current = new URL(location, current);
  }
  throw new PermanentRequestError(`More than ${MAX_REDIRECTS} redirects from ${url}`);
}

/** The wait before try `attempt` (1 = the first retry), or what the server asked for. */
export function backoffMs(policy: RetryPolicy, attempt: number, response?: HubResponse): number {
  const retryAfter = Number(response?.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, 60_000);
  return policy.baseDelayMs * 2 ** (attempt - 1);
}

export const wait = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal });

/**
 * A fetch for the hub API (used by @huggingface/hub's listing): redirects as
 * above, and busy or failing answers and dropped connections tried again with
 * backoff; requests that cannot succeed are not. The token is set here, not by
 * the library, so it follows the same rule.
 */
export function hubApiFetch(hubOrigin: string, token: string | null, policy: RetryPolicy, signal?: AbortSignal): typeof fetch {
  const apiFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<HubResponse> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    for (let attempt = 1; ; attempt++) {
      let response: HubResponse;
      try {
        response = await fetchFollowing(url, { headers, signal: signal ?? null, ...(init?.method ? { method: init.method } : {}), ...(policy.readTimeoutMs ? { readTimeoutMs: policy.readTimeoutMs } : {}) }, hubOrigin, token);
      } catch (error) {
        if (signal?.aborted || error instanceof PermanentRequestError || attempt >= policy.attempts) throw error;
        await wait(backoffMs(policy, attempt), signal);
        continue;
      }
      if (!isRetryableStatus(response.status) || attempt >= policy.attempts) return response;
      await response.body?.cancel();
      await wait(backoffMs(policy, attempt, response), signal);
    }
  };
  // undici's Response is the WHATWG one the library expects; only the declared types differ.
  return apiFetch as unknown as typeof fetch;
}
