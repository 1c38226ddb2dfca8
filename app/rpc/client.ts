import type { CallInput, CallName, CallOutput, CallTable, Contract, EventName, EventPayload, EventTable } from '../contract/define';
import { InboundMessage, type CallMessage } from '../contract/wire';
import { StudioError, issuesOf } from './errors';

/** A duplex channel to the serving side: the only thing a transport has to provide. */
export interface ClientPort {
  send(message: CallMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface Client<C extends CallTable, E extends EventTable> {
  call<K extends CallName<C>>(method: K, input: CallInput<C, K>): Promise<CallOutput<C, K>>;
  on<K extends EventName<E>>(name: K, listener: (payload: EventPayload<E, K>) => void): () => void;
  /** Rejects every call still waiting (the connection is gone); later calls go out on the port again. */
  failPending(error: StudioError): void;
}

interface Pending {
  readonly method: string;
  resolve(output: unknown): void;
  reject(error: StudioError): void;
}

/**
 * The one generic client: typed calls and events for any contract over any
 * port. Answers are checked against the contract too, so a caller never
 * holds a value its type lies about.
 */
export function createClient<C extends CallTable, E extends EventTable>(contract: Contract<C, E>, port: ClientPort): Client<C, E> {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: never) => void>>();

  port.onMessage((raw) => {
    const parsed = InboundMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.kind === 'event') {
      const schema = contract.events[message.name];
      const payload = schema?.safeParse(message.payload);
      if (!payload?.success) return;
      for (const listener of listeners.get(message.name) ?? []) listener(payload.data as never);
      return;
    }
    if (message.id === null) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (!message.ok) {
      waiting.reject(StudioError.fromWire(message.error));
      return;
    }
    const output = contract.calls[waiting.method]!.output.safeParse(message.output);
    if (output.success) waiting.resolve(output.data);
    else waiting.reject(new StudioError('invalid-output', `"${waiting.method}" answered outside its schema`, issuesOf(output.error)));
  });

  return {
    call(method, input) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (output: unknown) => void, reject });
        try {
          port.send({ kind: 'call', id, method, input });
        } catch (thrown) {
          pending.delete(id);
          reject(new StudioError('disconnected', thrown instanceof Error ? thrown.message : String(thrown)));
        }
      });
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    failPending(error) {
      const waiting = [...pending.values()];
      pending.clear();
      for (const p of waiting) p.reject(error);
    },
  };
}
