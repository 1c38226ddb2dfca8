import { z } from 'zod';

/**
 * The messages that cross a process boundary, whatever the transport
 * (Electron IPC, WebSocket, the inference process's message port).
 * A peer sends `call`s and receives one `result` per call; the serving side
 * may also push `event`s at any time.
 */

export const ErrorCode = z.enum([
  /** The message was not a well-formed call (not JSON, wrong shape). */
  'invalid-message',
  /** The call names a method the contract does not declare. */
  'unknown-method',
  /** The call's input failed its schema. */
  'invalid-input',
  /** The handler answered something its output schema rejects (a bug on the serving side). */
  'invalid-output',
  /** The handler failed for a reason of its own. */
  'handler-failed',
  /** Too many generations are queued already; the message says how many. */
  'busy',
  /** A generation made no progress for too long: the inference process was killed and is restarting. */
  'inference-hung',
  /** The inference process is down or restarting. */
  'inference-unavailable',
  /** The connection closed before the answer came. */
  'disconnected',
  /** The sender of an IPC message is not the studio's own page. */
  'forbidden-sender',
  /** The work was cancelled on request. */
  'cancelled',
  /** The model folder or the request does not fit the model (missing part, wrong size, no vae_encoder…). */
  'model-error',
  /** A scene graph's relations cannot all hold in one picture; the message names a smallest set of them that cannot. */
  'scene-graph-conflict',
  /** A project file is damaged, not a project, or from a newer Wordbrush; the message says which. */
  'project-error',
  /** No image in the gallery (or its trash) has the id. */
  'not-found',
  /** No model in the library has the id. */
  'unknown-model',
  /** The model is listed with a problem that keeps it from running. */
  'model-unusable',
  /** The id is taken, or the model is in the library already. */
  'model-exists',
  /** A generation is using the model. */
  'model-in-use',
  /** The model is bundled or listed from a --models folder: the library only reads it. */
  'not-managed',
  /** A folder or zip offered for import is not a working model; the message names the file. */
  'invalid-import',
  /** A download failed; what was fetched is kept for a resume where that makes sense. */
  'download-failed',
  /** Not enough free space where the library is. */
  'disk-full',
  /** An uploaded image is not a PNG the studio reads, is too large, or an asset it names is gone. */
  'invalid-asset',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const WireIssue = z.object({ path: z.string(), message: z.string() });
export type WireIssue = z.infer<typeof WireIssue>;

export const WireError = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(WireIssue).optional(),
});
export type WireError = z.infer<typeof WireError>;

/** Call ids are chosen by the caller and echoed back; null answers a message whose id could not be read. */
export const CallId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const CallMessage = z.object({
  kind: z.literal('call'),
  id: CallId,
  method: z.string().min(1).max(200),
  input: z.unknown(),
});
export type CallMessage = z.infer<typeof CallMessage>;

export const ResultMessage = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('result'), id: CallId.nullable(), ok: z.literal(true), output: z.unknown() }),
  z.object({ kind: z.literal('result'), id: CallId.nullable(), ok: z.literal(false), error: WireError }),
]);
export type ResultMessage = z.infer<typeof ResultMessage>;

export const EventMessage = z.object({
  kind: z.literal('event'),
  name: z.string().min(1).max(200),
  payload: z.unknown(),
});
export type EventMessage = z.infer<typeof EventMessage>;

/** What a calling side can receive. */
export const InboundMessage = z.union([ResultMessage, EventMessage]);
