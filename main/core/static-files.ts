import { lstat, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, normalize, relative, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Maps a request path onto a file below the renderer's build folder, or null
 * when the path tries to leave it (`..`, encoded separators, NUL) or is not a
 * valid URL path. `/` is the studio page.
 */
export function resolveStaticFile(root: string, urlPathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const wanted = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = normalize(join(root, wanted));
  const inside = relative(root, full);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return null;
  return full;
}

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers every served file gets; the page itself also gets the CSP. */
export function staticHeaders(path: string, csp: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(path),
    'X-Content-Type-Options': 'nosniff',
    // The page's URL carries the browser-mode token: never send it on.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (path.endsWith('.html')) headers['Content-Security-Policy'] = csp;
  // The page is opened with the token in its URL and results are the user's: neither may sit in a cache.
  if (path.endsWith('.html') || path.toLowerCase().endsWith('.png')) headers['Cache-Control'] = 'no-store';
  return headers;
}

export const GALLERY_PREFIX = '/gallery/';

/**
 * A result image under the gallery folder for a `/gallery/<name>.png` request
 * path, or null: a plain file that really is inside the gallery, never a link
 * (a link dropped into the gallery must not serve what it points at).
 */
export async function resolveGalleryFile(galleryDir: string, urlPathname: string): Promise<string | null> {
  if (!urlPathname.startsWith(GALLERY_PREFIX)) return null;
  const file = resolveStaticFile(galleryDir, urlPathname.slice(GALLERY_PREFIX.length - 1));
  if (!file?.toLowerCase().endsWith('.png')) return null;
  try {
    if (!(await lstat(file)).isFile()) return null;
    const [real, root] = await Promise.all([realpath(file), realpath(galleryDir)]);
    return real.startsWith(root + sep) ? file : null;
  } catch {
    return null;
  }
}
