import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetId, type CanvasDocument } from '../../app/document/document';
import type { RunSettings } from '../../app/document/run-settings';
import { removePartialFiles, writeAtomic } from '../files/write-atomic';
import { readProject, writeProject, type Project } from './project-file';
import { parseBoundedJson } from '../../app/domain/bounded-json';

const EXTENSION = '.wbproj';
const AUTOSAVE = '.autosave';

/** A project as the renderer sends and gets it: assets as PNG data URLs. */
export interface ProjectData {
  readonly document: CanvasDocument;
  readonly assets: Readonly<Record<string, string>>;
  readonly panel: RunSettings | null;
}

const toDataUrl = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
// Stryker disable next-line Regex: the prefix is only ever at the start of the URLs the contract lets in
const fromDataUrl = (url: string) => new Uint8Array(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'));

function toProject(data: ProjectData): Project {
  return { document: data.document, assets: new Map(Object.entries(data.assets).map(([id, url]) => [AssetId.parse(id), fromDataUrl(url)])), panel: data.panel };
}

function toData(project: Project): ProjectData {
  return { document: project.document, assets: Object.fromEntries([...project.assets].map(([id, bytes]) => [id, toDataUrl(bytes)])), panel: project.panel };
}

/**
 * Projects by name in the data folder's projects/ (recent first), and the
 * autosave of the open one: written every few idle seconds and on quit,
 * offered back after a crash, dropped when the project is saved.
 */
export class ProjectStore {
  constructor(readonly dir: string) {}

  /** Removes the temporary files a crash during a save left (`name.wbproj.1a2b3c4d.partial`): the saves they belonged to never finished. */
  async removeLeftovers(): Promise<void> {
    await removePartialFiles(this.dir);
  }

  async list(): Promise<{ name: string; savedAt: string }[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((f) => f.endsWith(EXTENSION) && !f.startsWith('.'));
    const listed = await Promise.all(names.map(async (f) => ({ name: f.slice(0, -EXTENSION.length), savedAt: (await stat(join(this.dir, f))).mtime.toISOString() })));
    return listed.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  async open(name: string): Promise<ProjectData> {
    return toData(await readProject(this.pathOf(name)));
  }

  /** Saves atomically (a crash leaves the last good save); the autosave is no longer needed. */
  async save(name: string, data: ProjectData): Promise<{ name: string; savedAt: string }> {
    await mkdir(this.dir, { recursive: true });
    await writeProject(this.pathOf(name), toProject(data));
    await this.discardAutosave();
    return { name, savedAt: new Date().toISOString() };
  }

  async autosave(name: string | null, data: ProjectData): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeProject(this.pathOf(AUTOSAVE), toProject(data));
    await writeAtomic(join(this.dir, `${AUTOSAVE}.json`), JSON.stringify({ name, savedAt: new Date().toISOString() }));
  }

  /** What an earlier run left unsaved, if anything. */
  async recovery(): Promise<{ name: string | null; savedAt: string } | null> {
    if (!existsSync(this.pathOf(AUTOSAVE))) return null;
    try {
      const info = parseBoundedJson(await readFile(join(this.dir, `${AUTOSAVE}.json`), 'utf8')) as { name?: unknown; savedAt?: unknown };
      return { name: typeof info.name === 'string' ? info.name : null, savedAt: typeof info.savedAt === 'string' ? info.savedAt : '' };
    } catch {
      return { name: null, savedAt: '' };
    }
  }

  async restore(): Promise<ProjectData> {
    return toData(await readProject(this.pathOf(AUTOSAVE)));
  }

  async discardAutosave(): Promise<void> {
    await rm(this.pathOf(AUTOSAVE), { force: true });
    await rm(join(this.dir, `${AUTOSAVE}.json`), { force: true });
  }

  /** A document kept beside a result (any path: the gallery's). */
  async writeDocument(path: string, data: ProjectData): Promise<void> {
    await writeProject(path, toProject(data));
  }

  async readDocument(path: string): Promise<ProjectData> {
    return toData(await readProject(path));
  }

  private pathOf(name: string): string {
    return join(this.dir, `${name}${EXTENSION}`);
  }
}
