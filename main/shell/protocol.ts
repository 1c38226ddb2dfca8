import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { contentSecurityPolicy } from '../core/csp';
import { GALLERY_PREFIX, resolveGalleryFile, resolveStaticFile, staticHeaders } from '../core/static-files';
import { APP_SCHEME, isAppUrl } from './window';

/** Must run before the app is ready: the scheme behaves like https (secure, standard origin, fetch). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer at wordbrush://app/ (results under /gallery/) with the studio's CSP, instead of exposing file://. */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string, galleryDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, galleryDir, request.url));
}

export async function appResponse(rendererDir: string, galleryDir: string, requestUrl: string): Promise<Response> {
  const pathname = isAppUrl(requestUrl) ? new URL(requestUrl).pathname : null;
  const file = pathname === null ? null : pathname.startsWith(GALLERY_PREFIX) ? await resolveGalleryFile(galleryDir, pathname) : resolveStaticFile(rendererDir, pathname);
  if (!file) return new Response(null, { status: 404 });
  try {
    return new Response(await readFile(file), { status: 200, headers: staticHeaders(file, contentSecurityPolicy()) });
  } catch {
    return new Response(null, { status: 404 });
  }
}
