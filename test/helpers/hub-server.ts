import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { flipByte } from './bytes';

/** Files the hub keeps in LFS (served through the CDN by their sha256), as .gitattributes does for model weights. */
const LFS = /(\.onnx|\.onnx_data|\.pb)$/;

interface HostedFile {
  readonly content: Buffer;
  readonly sha256: string;
  readonly gitOid: string;
  readonly lfs: boolean;
}

interface HostedRepo {
  readonly commit: string;
  readonly files: Map<string, HostedFile>;
}

export interface RecordedRequest {
  readonly host: 'hub' | 'cdn';
  readonly path: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
}

/** Faults the next requests meet; each is used up as it fires. */
export interface HubFaults {
  /** Close the connection after sending this many bytes of the file (by repository path), once per entry. */
  readonly dropAfter: Map<string, number[]>;
  /** Flip one byte in the middle of these files whenever they are served. */
  readonly corrupt: Set<string>;
  /** Answer these statuses, in turn, to requests whose path contains the key, before answering normally. */
  readonly statuses: Map<string, number[]>;
  /** Answer every ranged request with the whole file (200), as some proxies do. */
  ignoreRange: boolean;
  /** Repositories that need this token ("Bearer …"); others are public. */
  readonly privateRepos: Map<string, string>;
  /** Hold each CDN answer this long (so a download can be caught mid-way). */
  cdnDelayMs: number;
  /** Send this many bytes of the file, then close the connection cleanly (FIN), once per entry. */
  readonly finAfter: Map<string, number[]>;
  /** Send this many bytes of the file, then go silent with the connection open, once per entry. */
  readonly silentAfter: Map<string, number[]>;
  /** Answer a ranged request for these files with a 206 whose Content-Range starts at 0 (not where asked), once per entry. */
  readonly wrongRange: Map<string, number>;
  /** Serve these files with this many extra bytes (Content-Length included), every time. */
  readonly extraBytes: Map<string, number>;
  /** Redirect requests for these files to this location (relative to the hub, or any URL), every time. */
  readonly redirect: Map<string, string>;
  /** Rewrites the tree listing's entries before they are sent (hostile or broken listings). */
  listing: ((entries: Record<string, unknown>[]) => Record<string, unknown>[]) | null;
}

export interface HubServer {
  /** What HF_ENDPOINT is set to. */
  readonly url: string;
  /** The CDN the hub redirects LFS files to, on another port (another origin). */
  readonly cdnUrl: string;
  readonly requests: RecordedRequest[];
  readonly faults: HubFaults;
  /** Adds a repository from a model folder, at a fresh commit. */
  host(repo: string, folder: string): string;
  close(): Promise<void>;
}

const sha = (kind: string, data: Buffer | string) => createHash(kind).update(data).digest('hex');

function readFolder(dir: string, prefix = ''): [string, Buffer][] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, path)).isDirectory() ? readFolder(dir, path) : [[path, readFileSync(join(dir, path))] as [string, Buffer]];
  });
}

/**
 * A Hugging Face hub on 127.0.0.1, implementing what the downloader uses:
 * `/api/models/{repo}/revision/{rev}` (the commit), the recursive tree listing
 * with `Link` pagination, and `/{repo}/resolve/{commit}/{path}`, which serves
 * small files itself and redirects LFS files to a CDN on another port; both
 * honour Range. Faults are injected through `faults`.
 */
export async function startHubServer(pageSize = 4): Promise<HubServer> {
  const repos = new Map<string, HostedRepo>();
  const blobs = new Map<string, HostedFile & { path: string }>();
  const requests: RecordedRequest[] = [];
  const faults: HubFaults = {
    dropAfter: new Map(),
    corrupt: new Set(),
    statuses: new Map(),
    ignoreRange: false,
    privateRepos: new Map(),
    cdnDelayMs: 0,
    finAfter: new Map(),
    silentAfter: new Map(),
    wrongRange: new Map(),
    extraBytes: new Map(),
    redirect: new Map(),
    listing: null,
  };
  let commits = 0;

  const record = (host: 'hub' | 'cdn', req: IncomingMessage) =>
    requests.push({ host, path: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });

  const injectedStatus = (path: string): number | null => {
    for (const [key, codes] of faults.statuses) if (path.includes(key) && codes.length > 0) return codes.shift()!;
    return null;
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const hub = createServer((req, res) => {
    record('hub', req);
    const url = new URL(req.url ?? '/', 'http://hub');
    const path = decodeURIComponent(url.pathname);
    const injected = injectedStatus(path);
    if (injected) return json(res, injected, { error: `injected ${injected}` }, injected === 429 ? { 'retry-after': '0' } : {});

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoName = api?.[1] ?? resolve?.[1];
    const repo = repoName ? repos.get(repoName) : undefined;
    if (!repoName || !repo) return json(res, 404, { error: 'Repository not found' });
    const token = faults.privateRepos.get(repoName);
    if (token && req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { error: 'Invalid credentials in Authorization header' });

    if (api?.[2] === 'revision') {
      if (api[3] !== 'main' && api[3] !== repo.commit) return json(res, 404, { error: `Invalid rev id: ${api[3]}` });
      return json(res, 200, { _id: repoName, id: repoName, sha: repo.commit, private: Boolean(token), siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) });
    }
    if (api?.[2] === 'tree') {
      if (api[3] !== repo.commit && api[3] !== 'main') return json(res, 404, { error: `Invalid rev id: ${api[3]}` });
      const under = api[4] ? `${api[4]}/` : '';
      const folders = new Set<string>();
      for (const file of repo.files.keys()) if (file.startsWith(under)) file.split('/').slice(0, -1).forEach((_, i, parts) => folders.add(parts.slice(0, i + 1).join('/')));
      const listed = [
        ...[...folders].sort().map((folder) => ({ type: 'directory', oid: sha('sha1', folder), size: 0, path: folder })),
        ...[...repo.files]
          .filter(([file]) => file.startsWith(under))
          .map(([file, f]) => ({ type: 'file', oid: f.lfs ? sha('sha1', `pointer ${f.sha256}`) : f.gitOid, size: f.lfs ? 134 : f.content.length, path: file, ...(f.lfs ? { lfs: { oid: f.sha256, size: f.content.length, pointerSize: 134 } } : {}) })),
      ];
      const entries = faults.listing ? faults.listing(listed) : listed;
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + pageSize);
      const next = new URL(`${server.url}${url.pathname}`);
      url.searchParams.forEach((value, key) => next.searchParams.set(key, value));
      next.searchParams.set('cursor', String(cursor + pageSize));
      return json(res, 200, page, cursor + pageSize < entries.length ? { link: `<${next.href}>; rel="next"` } : {});
    }
    if (resolve) {
      if (resolve[2] !== repo.commit) return json(res, 404, { error: 'Revision not found' });
      const redirect = faults.redirect.get(resolve[3]!);
      if (redirect) {
        res.writeHead(302, { location: redirect });
        return res.end();
      }
      const file = repo.files.get(resolve[3]!);
      if (!file) return json(res, 404, { error: 'Entry not found' });
      if (file.lfs) {
        res.writeHead(302, { location: `${server.cdnUrl}/blobs/${file.sha256}?signature=x`, 'x-repo-commit': repo.commit });
        return res.end();
      }
      return serveFile(req, res, resolve[3]!, file.content);
    }
    json(res, 404, { error: 'Not found' });
  });

  const cdn = createServer((req, res) => {
    record('cdn', req);
    const match = /^\/blobs\/([0-9a-f]{64})/.exec(req.url ?? '');
    const blob = match ? blobs.get(match[1]!) : undefined;
    if (!blob) return json(res, 404, { error: 'No such blob' });
    const injected = injectedStatus(blob.path);
    if (injected) return json(res, injected, { error: `injected ${injected}` }, injected === 429 ? { 'retry-after': '0' } : {});
    setTimeout(() => serveFile(req, res, blob.path, blob.content), faults.cdnDelayMs);
  });

  function serveFile(req: IncomingMessage, res: ServerResponse, path: string, original: Buffer): void {
    const extra = faults.extraBytes.get(path) ?? 0;
    const content = faults.corrupt.has(path) || extra > 0 ? Buffer.concat([original, Buffer.alloc(extra, 0x2a)]) : original;
    if (faults.corrupt.has(path)) flipByte(content, content.length >> 1);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const asked = range && !faults.ignoreRange ? Number(range[1]) : 0;
    const wrong = asked > 0 && (faults.wrongRange.get(path) ?? 0) > 0;
    if (wrong) faults.wrongRange.set(path, faults.wrongRange.get(path)! - 1);
    // A broken proxy: a 206 that claims a range, but not the one asked for.
    const start = wrong ? 0 : asked;
    const body = content.subarray(start);
    res.writeHead(asked > 0 ? 206 : 200, {
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(asked > 0 ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
    });
    const cut = (faults: Map<string, number[]>) => faults.get(path)?.shift();
    const drop = cut(faults.dropAfter);
    const fin = cut(faults.finAfter);
    const silent = cut(faults.silentAfter);
    const part = (at: number) => body.subarray(0, Math.max(0, at - start));
    // Sends part of the file, then cuts the connection as a failing network would.
    if (drop !== undefined) return void res.write(part(drop), () => setTimeout(() => res.socket?.destroy(), 5));
    // Sends part of the file, then closes its side cleanly (FIN), as a server restarting does.
    if (fin !== undefined) return void res.write(part(fin), () => res.socket?.end());
    // Sends part of the file, then nothing more, the connection left open (a stalled transfer).
    if (silent !== undefined) return void res.write(part(silent));
    res.end(body);
  }

  const listen = (s: Server) => new Promise<string>((done) => s.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
  const server: HubServer = {
    url: await listen(hub),
    cdnUrl: await listen(cdn),
    requests,
    faults,
    host(repo, folder) {
      const commit = sha('sha1', `${repo} ${++commits}`);
      const files = new Map<string, HostedFile>();
      for (const [path, content] of readFolder(folder)) {
        const file = { content, sha256: sha('sha256', content), gitOid: sha('sha1', Buffer.concat([Buffer.from(`blob ${content.length}\0`), content])), lfs: LFS.test(path) };
        files.set(path, file);
        if (file.lfs) blobs.set(file.sha256, { ...file, path });
      }
      repos.set(repo, { commit, files });
      return commit;
    },
    close: async () => {
      hub.closeAllConnections();
      cdn.closeAllConnections();
      await Promise.all([new Promise((done) => hub.close(done)), new Promise((done) => cdn.close(done))]);
    },
  };
  return server;
}
