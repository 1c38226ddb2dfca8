export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Extra model folders (each a model or a folder of models), besides the library's. */
  readonly models: readonly string[];
  /** Where results go, instead of the library's gallery. */
  readonly gallery: string | null;
}

export class ServeArgsError extends Error {}

export const SERVE_USAGE = `Usage: npm run serve -- [--host ADDRESS] [--port N]

Serves the studio in a browser. Open the printed URL: it carries a token that
every connection must present, new on every start.

  --host ADDRESS  address to listen on (default 127.0.0.1, this machine only);
                  0.0.0.0 or a LAN address lets other machines connect, still
                  only with the token
  --port N        port to listen on (default 5173; 0 picks a free one)
  --models DIR    also list the models in DIR (a model folder or a folder of
                  them); may be given more than once
  --gallery DIR   write results to DIR instead of the library's gallery
  --help          this text

The library (models/ and gallery/) lives in the same folder as the desktop
app's; WORDBRUSH_HOME moves it.`;

/** Reads browser-mode flags; anything unknown or malformed is an error, never silently ignored. */
export function parseServeArgs(argv: readonly string[]): ServeOptions | 'help' {
  let host = '127.0.0.1';
  let port = 5173;
  const models: string[] = [];
  let gallery: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return 'help';
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s, 2) : [flag, undefined];
    if (!['--host', '--port', '--models', '--gallery'].includes(name!)) throw new ServeArgsError(`Unknown option ${flag}\n\n${SERVE_USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new ServeArgsError(`${name} needs a value`);
    if (name === '--host') {
      host = value;
    } else if (name === '--models') {
      models.push(value);
    } else if (name === '--gallery') {
      gallery = value;
    } else {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw new ServeArgsError(`--port must be a whole number from 0 to 65535, got "${value}"`);
      port = Number(value);
    }
  }
  return { host, port, models, gallery };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
