import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { contentSecurityPolicy } from '../core/csp';
import { resolveStaticFile, staticHeaders } from '../core/static-files';
import { APP_SCHEME, isAppUrl } from './window';

/** Must run before the app is ready: the scheme behaves like https (secure, standard origin, fetch). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer at wordbrush://app/ with the studio's CSP, instead of exposing file://. */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request.url));
}

export async function appResponse(rendererDir: string, requestUrl: string): Promise<Response> {
  const file = isAppUrl(requestUrl) ? resolveStaticFile(rendererDir, new URL(requestUrl).pathname) : null;
  if (!file) return new Response(null, { status: 404 });
  try {
    return new Response(await readFile(file), { status: 200, headers: staticHeaders(file, contentSecurityPolicy()) });
  } catch {
    return new Response(null, { status: 404 });
  }
}
