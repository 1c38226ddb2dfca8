import { z } from 'zod';

/**
 * The conditioning document: where things go in a generation. Versioned JSON,
 * the same in the CLI (`--conditioning FILE.json`), the contract and a
 * result's metadata, so a result can be regenerated exactly.
 */

/** A rectangle in fractions of the image: (0, 0) top left, (1, 1) bottom right. */
export const NormalizedRect = z
  .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), width: z.number().gt(0).max(1), height: z.number().gt(0).max(1) })
  .strict()
  .refine((r) => r.x + r.width <= 1 + 1e-9 && r.y + r.height <= 1 + 1e-9, { message: 'The rectangle must lie inside the image' });
export type NormalizedRect = z.infer<typeof NormalizedRect>;

const RectMask = z.object({ kind: z.literal('rect'), rect: NormalizedRect }).strict();

/** An image the studio stored (assets.upload), by id: the renderer names pixels this way, never by path. */
/** The one form of an asset's id: the document's own (its pictures) and the ones assets.upload gives. */
export const ASSET_ID = /^asset_[A-Za-z0-9-]{1,64}$/;
export const AssetRef = z.string().regex(ASSET_ID, 'An asset id, as assets.upload gives it');
export type AssetRef = z.infer<typeof AssetRef>;

export const RegionMask = z.discriminatedUnion('kind', [
  RectMask,
  /** A painted mask: white (and greys, for soft edges) is inside. A PNG file's path (main names the asset's file) or a PNG data: URL. */
  z.object({ kind: z.literal('image'), png: z.string().min(1).max(8_000_000) }).strict(),
]);
export type RegionMask = z.infer<typeof RegionMask>;

/** The masks the studio's renderer may send: rectangles, and painted masks as uploaded assets. */
export const StudioRegionMask = z.discriminatedUnion('kind', [RectMask, z.object({ kind: z.literal('asset'), asset: AssetRef }).strict()]);

const Id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);

/** A painted region bound to a phrase of the prompt (paint-with-words), or carrying a prompt of its own (regional prompt). */
const regionWith = <M extends z.ZodType>(mask: M) =>
  z
    .object({
      id: Id,
      mask,
      phrase: z.string().min(1).max(500).optional(),
      prompt: z.string().min(1).max(5000).optional(),
      strength: z.number().min(0).max(10).default(1),
    })
    .strict()
    .refine((r) => r.phrase !== undefined || r.prompt !== undefined, { message: 'A region needs a phrase of the prompt or a prompt of its own' });
export const Region = regionWith(RegionMask);
export type Region = z.input<typeof Region>;

/** A layout box: its label is a phrase of the prompt (or, if the prompt lacks it, its own prompt). */
export const LayoutBox = z
  .object({ id: Id, rect: NormalizedRect, label: z.string().min(1).max(500), prompt: z.string().min(1).max(5000).optional(), strength: z.number().min(0).max(10).default(1) })
  .strict();
export type LayoutBox = z.input<typeof LayoutBox>;

export const RELATIONS = ['left of', 'right of', 'above', 'below', 'inside', 'surrounding', 'on', 'under', 'next to', 'near'] as const;
export const Relation = z.enum(RELATIONS);
export type Relation = z.infer<typeof Relation>;

export const SceneObject = z.object({ id: Id, name: z.string().min(1).max(200), attributes: z.array(z.string().min(1).max(100)).max(10).default([]) }).strict();
export const SceneRelation = z.object({ subject: Id, predicate: Relation, object: Id }).strict();
export const SceneGraph = z
  .object({ objects: z.array(SceneObject).min(1).max(32), relations: z.array(SceneRelation).max(128).default([]) })
  .strict()
  .refine((g) => new Set(g.objects.map((o) => o.id)).size === g.objects.length, { message: 'Object ids must be unique' })
  .refine((g) => g.relations.every((r) => g.objects.some((o) => o.id === r.subject) && g.objects.some((o) => o.id === r.object)), { message: 'Relations must name objects of the graph' });
export type SceneGraph = z.input<typeof SceneGraph>;

export const RegionalMode = z.enum(['auto', 'attention-masks', 'latent-composition']);
export type RegionalMode = z.infer<typeof RegionalMode>;

const conditioningWith = <R extends z.ZodType>(region: R) =>
  z
    .object({
      version: z.literal(1),
      regions: z.array(region).max(32).default([]),
      boxes: z.array(LayoutBox).max(32).default([]),
      sceneGraph: SceneGraph.optional(),
      /** How regions with prompts of their own are applied; auto: attention masks when the UNet can be patched, else latent composition. */
      regionalMode: RegionalMode.default('auto'),
      /** eDiff-I's w': the global paint-with-words strength. */
      paintWithWordsStrength: z.number().min(0).max(5).default(0.4),
    })
    .strict();

export const ConditioningDocument = conditioningWith(Region);
/** The same document as the renderer sends it: painted masks as assets, which main reads into the document the engine gets. */
export const StudioConditioning = conditioningWith(regionWith(StudioRegionMask));
export type StudioConditioning = z.input<typeof StudioConditioning>;
export type ConditioningDocument = z.input<typeof ConditioningDocument>;
export type ParsedConditioning = z.output<typeof ConditioningDocument>;
