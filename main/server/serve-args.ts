export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export class ServeArgsError extends Error {}

export const SERVE_USAGE = `Usage: npm run serve -- [--host ADDRESS] [--port N]

Serves the studio in a browser. Open the printed URL: it carries a token that
every connection must present, new on every start.

  --host ADDRESS  address to listen on (default 127.0.0.1, this machine only);
                  0.0.0.0 or a LAN address lets other machines connect, still
                  only with the token
  --port N        port to listen on (default 5173; 0 picks a free one)
  --help          this text`;

/** Reads browser-mode flags; anything unknown or malformed is an error, never silently ignored. */
export function parseServeArgs(argv: readonly string[]): ServeOptions | 'help' {
  let host = '127.0.0.1';
  let port = 5173;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return 'help';
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s, 2) : [flag, undefined];
    if (name !== '--host' && name !== '--port') throw new ServeArgsError(`Unknown option ${flag}\n\n${SERVE_USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new ServeArgsError(`${name} needs a value`);
    if (name === '--host') {
      host = value;
    } else {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw new ServeArgsError(`--port must be a whole number from 0 to 65535, got "${value}"`);
      port = Number(value);
    }
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
