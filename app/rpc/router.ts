import type { z } from 'zod';
import type { CallOutput, CallTable, EventName, EventPayload, EventTable } from '../contract/define';
import { CallMessage, type EventMessage, type ResultMessage } from '../contract/wire';
import { StudioError, issuesOf, toWireError } from './errors';
import { checkJsonBounds, JsonBoundsError } from '../domain/bounded-json';

/** A handler receives the input as its schema parsed it (defaults filled in). */
export type Handlers<C extends CallTable, Ctx> = {
  readonly [K in keyof C]: (input: z.output<C[K]['input']>, ctx: Ctx) => Promise<CallOutput<C, K>> | CallOutput<C, K>;
};

export interface Router<Ctx> {
  /** Answers any received value: never throws, never rejects. */
  handle(raw: unknown, ctx: Ctx): Promise<ResultMessage>;
}

/**
 * Serves one contract. Every received value is untrusted: it is checked to be
 * a call, the method to be declared, and the input to fit its schema before a
 * handler sees it; what the handler answers is checked against the output
 * schema too, so a bug on the serving side is a typed error, not a bad reply.
 */
export function createRouter<C extends CallTable, Ctx = void>(calls: C, handlers: Handlers<C, Ctx>): Router<Ctx> {
  return {
    async handle(raw, ctx) {
      const call = CallMessage.safeParse(raw);
      if (!call.success) {
        return failure(readableId(raw), new StudioError('invalid-message', 'Not a call message', issuesOf(call.error)));
      }
      const { id, method, input } = call.data;
      if (!Object.hasOwn(calls, method)) {
        return failure(id, new StudioError('unknown-method', `Unknown method "${method}"`));
      }
      const spec = calls[method]!;
      const unbounded = boundsProblem(input);
      if (unbounded) return failure(id, new StudioError('invalid-input', `Invalid input for "${method}": it ${unbounded}`));
      const parsedInput = spec.input.safeParse(input);
      if (!parsedInput.success) {
        return failure(id, new StudioError('invalid-input', `Invalid input for "${method}"`, issuesOf(parsedInput.error)));
      }
      let output: unknown;
      try {
        output = await handlers[method]!(parsedInput.data as never, ctx);
      } catch (thrown) {
        return { kind: 'result', id, ok: false, error: toWireError(thrown) };
      }
      const parsedOutput = spec.output.safeParse(output);
      if (!parsedOutput.success) {
        return failure(id, new StudioError('invalid-output', `"${method}" answered outside its schema`, issuesOf(parsedOutput.error)));
      }
      // A reply that cannot be serialised (too deep for JSON.stringify or structured clone) is this caller's error, not main's end.
      const unsendable = boundsProblem(parsedOutput.data);
      if (unsendable) return failure(id, new StudioError('invalid-output', `"${method}" answered a value that cannot be sent: it ${unsendable}`));
      return { kind: 'result', id, ok: true, output: parsedOutput.data };
    },
  };
}

function boundsProblem(value: unknown): string | null {
  try {
    checkJsonBounds(value);
    return null;
  } catch (error) {
    if (error instanceof JsonBoundsError) return error.message;
    throw error;
  }
}

function failure(id: number | null, error: StudioError): ResultMessage {
  return { kind: 'result', id, ok: false, error: error.toWire() };
}

/** The id of a malformed message, where it has a usable one, so the caller can still match the answer. */
function readableId(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const { id } = raw as { id: unknown };
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

export type EventSender = (message: EventMessage) => void;

/** Typed, validated event emission for one contract's events: a payload outside its schema is a bug and throws here, at its source. */
export function createEmitter<E extends EventTable>(events: E, send: EventSender) {
  return <K extends EventName<E>>(name: K, payload: EventPayload<E, K>): void => {
    const checked = events[name]!.parse(payload);
    send({ kind: 'event', name, payload: checked });
  };
}
export type Emitter<E extends EventTable> = ReturnType<typeof createEmitter<E>>;
