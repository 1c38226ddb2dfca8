import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';

/** What a managed folder is for; each kind marks the folders it owns with its own file. */
export type ManagedRole = 'library' | 'gallery';

export const MARKER_FILES: Readonly<Record<ManagedRole, string>> = { library: '.wordbrush-library', gallery: '.wordbrush-gallery' };

/** Folders of the system and of every user: never a place for the studio to write, list or delete. */
const SYSTEM_FOLDERS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var', '/System', '/Library', '/Applications', '/private'];
const SYSTEM_ROOTS = ['/', '/home', '/Users', '/root', '/run', '/tmp', '/mnt', '/media', '/opt', '/srv', '/Volumes'];
const WINDOWS_SYSTEM = /^[a-z]:\\(windows|program files|program files \(x86\)|programdata|users)(\\|$)/i;

export interface FolderContext {
  /** The studio's data folder (settings, projects, assets, cache live in it). */
  readonly dataDir: string;
  /** The folders the studio manages now, other than the one being chosen. */
  readonly otherManaged: readonly string[];
  /** Where this role's folder is by default (under the data folder): always acceptable. */
  readonly defaultFolder: string;
}

const real = (path: string): string => {
  try {
    return realpathSync.native(path);
  } catch {
    // A folder not made yet: its nearest existing parent, resolved, with the rest as asked.
    const parent = dirname(path);
    return parent === path ? path : join(real(parent), path.slice(parent.length));
  }
};
/** `child` is `parent` or lies below it (paths already resolved). */
export const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * Why `folder` cannot be the studio's library or gallery, or null when it can.
 * The studio lists, writes manifests into and deletes inside these folders, so
 * only folders it owns qualify: a new or empty one, one already marked as
 * such, or the default under the data folder. System folders, a home folder,
 * the data folder, its parents and the other managed folders never do.
 */
export function folderProblem(role: ManagedRole, folder: string, context: FolderContext): string | null {
  const path = real(resolve(folder));
  const isWindows = /^[a-z]:\\/i.test(path);
  if (path === parse(path).root || SYSTEM_ROOTS.includes(path) || SYSTEM_FOLDERS.some((system) => inside(path, system)) || (isWindows && WINDOWS_SYSTEM.test(path))) return `${folder} is a system folder`;
  if (path === real(homedir())) return `${folder} is a home folder`;
  const dataDir = real(context.dataDir);
  if (inside(dataDir, path)) return `${folder} holds the studio's data folder (${context.dataDir})`;
  const defaultFolder = real(context.defaultFolder);
  for (const other of context.otherManaged.map(real)) {
    if (inside(path, other) || inside(other, path)) return `${folder} overlaps another folder the studio manages (${other})`;
  }
  if (path === defaultFolder) return null;
  if (inside(path, dataDir)) return `${folder} is inside the studio's data folder; only its own ${role} folder may be there`;
  if (!existsSync(path)) return null;
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return `${folder} is not a folder`;
  const entries = readdirSync(path);
  if (entries.length === 0 || entries.includes(MARKER_FILES[role])) return null;
  return `${folder} already holds other files; choose a new or empty folder (or one the studio made as its ${role})`;
}

/** Marks a folder as the studio's own, so a later choice of it is recognised. */
export async function markFolder(role: ManagedRole, folder: string): Promise<void> {
  await writeFile(join(folder, MARKER_FILES[role]), `This folder is a Wordbrush ${role}. Wordbrush lists, writes and removes files in it.\n`, { flag: 'w' });
}
