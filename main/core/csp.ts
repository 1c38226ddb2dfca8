/**
 * The studio's Content-Security-Policy, sent with every page in both modes.
 * Scripts and styles come only from the app itself; nothing may frame it,
 * submit forms or load plugins. Inline styles stay allowed because React and
 * Konva set element styles at run time. 'wasm-unsafe-eval' lets the layout
 * worker compile the app's own WebAssembly (HiGHS); it allows no eval of
 * JavaScript.
 */
export function contentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'connect-src': ["'self'", ...extraConnectSources],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'worker-src': ["'self'", 'blob:'],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
