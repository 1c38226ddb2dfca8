/** A file as the hub's tree listing gives it. */
export interface HubTreeEntry {
  readonly type: string;
  readonly path: string;
  readonly size: number;
  /** The git blob id (sha1 of "blob <size>\0" + content). */
  readonly oid?: string | undefined;
  /** Set for files stored in LFS (or Xet): oid is the content's sha256. */
  readonly lfs?: { readonly oid: string; readonly size: number } | undefined;
}

/** A file to fetch: where it is in the repository, where it goes in the model folder and how to check it. */
export interface PlannedFile {
  readonly remotePath: string;
  readonly localPath: string;
  readonly size: number;
  readonly check: { readonly kind: 'sha256'; readonly hex: string } | { readonly kind: 'git-sha1'; readonly hex: string };
}

export const MODEL_PARTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const;
const SUPPORT_FOLDERS = ['scheduler', 'tokenizer', 'tokenizer_2'] as const;
/** A part's ONNX graph and its external weights (one file, or one file per tensor without an extension). */
const ONNX_FILE = /(\.onnx|\.onnx_data|\.onnx\.data|\.pb)$/;
const isOnnxWeights = (name: string) => ONNX_FILE.test(name) || !name.includes('.');
/** What a part folder holds that the ONNX layout needs: never PyTorch or Flax weights living beside it. */
const isNeeded = (name: string) => name === 'config.json' || isOnnxWeights(name);
/** diffusers names variant files `{stem}.{variant}.{ext}`: model.fp16.onnx, model.fp16.onnx_data. */
const VARIANT_TAG = /\.(fp16|bf16|fp32)[._]/;

export class LayoutError extends Error {}

/** The largest file a listing may announce (1 TiB): more is a broken or hostile listing, not a model. */
export const MAX_FILE_BYTES = 2 ** 40;

/**
 * A path from a listing that stays inside the folder it is joined to, on every
 * platform: relative, '/'-separated, no '.' or '..' or empty segment, no
 * backslash, NUL, control character or drive letter.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024 || path.includes('\\') || [...path].some((c) => c.charCodeAt(0) < 0x20) || /^[A-Za-z]:/.test(path) || path.startsWith('/')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !/:/.test(segment));
}

/** A size as a listing must give it: a whole number of bytes, at most MAX_FILE_BYTES. */
export const isFileSize = (size: unknown): size is number => typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 && size <= MAX_FILE_BYTES;

/**
 * Picks from a repository's listing what the diffusers ONNX layout needs:
 * model_index.json, each part's folder, the scheduler and the tokenizers,
 * under `subfolder` when given; not the safety checker, feature extractor,
 * PyTorch weights beside the ONNX ones, images or the model card. With a variant ("fp16"), a part
 * that has `model.fp16.onnx` gets that file as its `model.onnx` and only the
 * variant's weight files (external data keeps its name: the graph refers to it
 * by name).
 */
export function selectFiles(entries: readonly HubTreeEntry[], subfolder: string | null, variant: string | null): PlannedFile[] {
  const prefix = subfolder ? `${subfolder.replace(/\/+$/, '')}/` : '';
  // A listing with one such path is hostile or broken as a whole: nothing of it is trusted.
  const unsafe = entries.find((e) => !isSafeRelativePath(e.path));
  if (unsafe) throw new LayoutError(`The listing names a file outside the model's folder (${JSON.stringify(unsafe.path)}); nothing was written`);
  const files = entries.filter((e) => e.type === 'file' && e.path.startsWith(prefix)).map((e) => ({ ...e, local: e.path.slice(prefix.length) }));
  if (!files.some((f) => f.local === 'model_index.json')) throw new LayoutError(`The repository has no ${prefix}model_index.json: it is not a diffusers model${subfolder ? ' in that subfolder' : ' at its root (give the subfolder that holds one)'}`);
  const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');
  const planned: PlannedFile[] = [];
  for (const part of MODEL_PARTS) {
    const inPart = files.filter((f) => folderOf(f.local) === part && !f.local.slice(part.length + 1).includes('/'));
    const variantGraph = variant ? inPart.find((f) => f.local === `${part}/model.${variant}.onnx`) : undefined;
    for (const file of inPart) {
      const name = file.local.slice(part.length + 1);
      if (!isNeeded(name)) continue;
      if (variantGraph) {
        if (isOnnxWeights(name) && !name.includes(`.${variant}.`) && !name.includes(`.${variant}_`)) continue;
        planned.push(plan(file, file === variantGraph ? `${part}/model.onnx` : file.local));
      } else if (!VARIANT_TAG.test(name)) {
        planned.push(plan(file, file.local));
      }
    }
    if (variant && !variantGraph && inPart.length > 0 && !inPart.some((f) => f.local === `${part}/model.onnx`)) throw new LayoutError(`${prefix}${part}/ has neither model.${variant}.onnx nor model.onnx`);
  }
  for (const file of files) {
    if (file.local === 'model_index.json' || (SUPPORT_FOLDERS as readonly string[]).includes(folderOf(file.local))) planned.push(plan(file, file.local));
  }
  if (!planned.some((f) => f.localPath === 'unet/model.onnx')) throw new LayoutError(`The repository has no ${prefix}unet/model.onnx: it is not an ONNX export (PyTorch-only repositories cannot run here)`);
  return planned;
}

function plan(entry: HubTreeEntry, localPath: string): PlannedFile {
  if (!isSafeRelativePath(entry.path) || !isSafeRelativePath(localPath)) throw new LayoutError(`The listing names a file outside the model's folder (${JSON.stringify(entry.path)}); nothing was written`);
  const size = entry.lfs?.size ?? entry.size;
  if (!isFileSize(size)) throw new LayoutError(`The listing gives ${entry.path} an impossible size (${String(size)})`);
  const check = entry.lfs ? { kind: 'sha256' as const, hex: entry.lfs.oid } : { kind: 'git-sha1' as const, hex: entry.oid ?? '' };
  if (!/^[0-9a-f]{40,64}$/.test(check.hex)) throw new LayoutError(`The listing gives no hash for ${entry.path}; it cannot be verified`);
  return { remotePath: entry.path, localPath, size, check };
}
