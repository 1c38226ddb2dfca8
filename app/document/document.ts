import { z } from 'zod';
import { ASSET_ID, LayoutBox, NormalizedRect, RegionalMode, SceneObject, SceneRelation, type AssetRef, type StudioConditioning } from '../contract/conditioning';

/**
 * The canvas document: what a person builds on the canvas, in layers, and
 * what a project file holds. Pure data, versioned; pixels (results, imported
 * pictures, painted masks) are assets referred to by id and kept beside it.
 */

export const DOCUMENT_VERSION = 1;

const brand = <B extends string>(prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[A-Za-z0-9-]{1,40}$`))
    .brand<B>();
export const LayerId = brand<'LayerId'>('layer');
export type LayerId = z.infer<typeof LayerId>;
export const AssetId = z.string().regex(ASSET_ID, 'An asset id').brand<'AssetId'>();
export type AssetId = z.infer<typeof AssetId>;

/** Every layer has these; `kind` says what it holds. */
const LayerBase = z.object({
  id: LayerId,
  name: z.string().min(1).max(100),
  visible: z.boolean(),
  locked: z.boolean(),
  opacity: z.number().min(0).max(1),
});

const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/);

export const Layer = z.discriminatedUnion('kind', [
  /** A picture on the canvas: a result, an imported image. `rect` places it, in fractions of the canvas. */
  LayerBase.extend({ kind: z.literal('image'), asset: AssetId, rect: NormalizedRect }).strict(),
  /** Paint-with-words: a painted mask bound to a phrase of the prompt. */
  LayerBase.extend({ kind: z.literal('word-region'), mask: AssetId, phrase: z.string().min(1).max(500), strength: z.number().min(0).max(10), colour: Colour }).strict(),
  /** A painted mask with a prompt of its own. */
  LayerBase.extend({ kind: z.literal('regional-prompt'), mask: AssetId, prompt: z.string().min(1).max(5000), strength: z.number().min(0).max(10), colour: Colour }).strict(),
  /** Layout boxes: labelled rectangles (GLIGEN-style layout-to-image). */
  LayerBase.extend({ kind: z.literal('layout-boxes'), boxes: z.array(LayoutBox).max(32) }).strict(),
  /** A scene graph and, once solved, the boxes its layout gave. */
  LayerBase.extend({
    kind: z.literal('scene-graph'),
    objects: z.array(SceneObject).max(32),
    relations: z.array(SceneRelation).max(128),
    solved: z.array(z.object({ id: z.string(), rect: NormalizedRect, label: z.string() })).nullable(),
  }).strict(),
  /** Where inpainting repaints (white). */
  LayerBase.extend({ kind: z.literal('inpaint-mask'), mask: AssetId }).strict(),
]);
export type Layer = z.infer<typeof Layer>;

export const CanvasDocument = z
  .object({
    version: z.literal(DOCUMENT_VERSION),
    canvas: z.object({ width: z.number().int().min(64).max(4096), height: z.number().int().min(64).max(4096) }).strict(),
    /** Bottom to top. */
    layers: z.array(Layer).max(200),
    regionalMode: RegionalMode,
    paintWithWordsStrength: z.number().min(0).max(5),
  })
  .strict()
  .refine((d) => new Set(d.layers.map((l) => l.id)).size === d.layers.length, { message: 'Layer ids must be unique' });
export type CanvasDocument = z.infer<typeof CanvasDocument>;

export function emptyDocument(width = 512, height = 512): CanvasDocument {
  return { version: DOCUMENT_VERSION, canvas: { width, height }, layers: [], regionalMode: 'auto', paintWithWordsStrength: 0.4 };
}

export class DocumentError extends Error {
  constructor(
    readonly reason: 'newer-version' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

/**
 * Reads a document of any version the app has known, migrated to the current
 * one (each earlier version gets a step here when a new one comes); a newer
 * version than the app knows, or a malformed document, is refused in words.
 */
export function migrateDocument(raw: unknown): CanvasDocument {
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (typeof version === 'number' && version > DOCUMENT_VERSION) {
    throw new DocumentError('newer-version', `This document is version ${version}, made by a newer Wordbrush; this one reads up to version ${DOCUMENT_VERSION}. Update the studio to open it.`);
  }
  if (version !== DOCUMENT_VERSION) throw new DocumentError('invalid', `This is not a Wordbrush document (version ${JSON.stringify(version)})`);
  const parsed = CanvasDocument.safeParse(raw);
  if (!parsed.success) throw new DocumentError('invalid', `The document is damaged: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The masks a run of the document needs: those of its visible painted regions. */
export const regionMasksOf = (document: CanvasDocument): AssetId[] => document.layers.flatMap((l) => (l.visible && (l.kind === 'word-region' || l.kind === 'regional-prompt') ? [l.mask] : []));

/** Every asset a document refers to, so a project file can hold exactly those. */
export function assetsOf(document: CanvasDocument): AssetId[] {
  return [...new Set(document.layers.flatMap((l) => (l.kind === 'image' ? [l.asset] : 'mask' in l ? [l.mask] : [])))];
}

/** The scene graph a run takes: the top visible one that has objects. */
export function sceneGraphOf(document: CanvasDocument): Pick<Extract<Layer, { kind: 'scene-graph' }>, 'objects' | 'relations'> | undefined {
  const graph = document.layers.filter((l) => l.visible && l.kind === 'scene-graph' && l.objects.length > 0).at(-1);
  return graph?.kind === 'scene-graph' ? { objects: graph.objects, relations: graph.relations } : undefined;
}

/**
 * The one place where what the canvas shows becomes what the engine gets:
 * visible word regions and regional prompts as painted regions (their masks
 * as the assets `uploaded` names them by), visible layout boxes, and the top
 * visible scene graph. Hidden layers, image layers and inpaint masks add nothing.
 */
export function compileConditioning(document: CanvasDocument, uploaded: (asset: AssetId) => AssetRef): StudioConditioning {
  const visible = document.layers.filter((l) => l.visible);
  const regions = visible.flatMap((l): NonNullable<StudioConditioning['regions']> => {
    if (l.kind === 'word-region') return [{ id: l.id, phrase: l.phrase, strength: l.strength, mask: { kind: 'asset', asset: uploaded(l.mask) } }];
    if (l.kind === 'regional-prompt') return [{ id: l.id, prompt: l.prompt, strength: l.strength, mask: { kind: 'asset', asset: uploaded(l.mask) } }];
    return [];
  });
  const boxes = visible.flatMap((l) => (l.kind === 'layout-boxes' ? l.boxes : []));
  const sceneGraph = sceneGraphOf(document);
  return {
    version: 1,
    regions,
    boxes,
    ...(sceneGraph ? { sceneGraph } : {}),
    regionalMode: document.regionalMode,
    paintWithWordsStrength: document.paintWithWordsStrength,
  };
}
