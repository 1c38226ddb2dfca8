import type { z } from 'zod';

/** One request of a contract: the schema of what the caller sends and of what it gets back. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly summary: string;
}

export type CallTable = Readonly<Record<string, CallSpec>>;
export type EventTable = Readonly<Record<string, z.ZodType>>;

export interface Contract<C extends CallTable = CallTable, E extends EventTable = EventTable> {
  readonly calls: C;
  readonly events: E;
}

export type CallName<C extends CallTable> = Extract<keyof C, string>;
export type CallInput<C extends CallTable, K extends keyof C> = z.input<C[K]['input']>;
export type CallOutput<C extends CallTable, K extends keyof C> = z.output<C[K]['output']>;
export type EventName<E extends EventTable> = Extract<keyof E, string>;
export type EventPayload<E extends EventTable, K extends keyof E> = z.output<E[K]>;

export function defineCall<I extends z.ZodType, O extends z.ZodType>(spec: CallSpec<I, O>): CallSpec<I, O> {
  return spec;
}

export function defineContract<C extends CallTable, E extends EventTable>(contract: Contract<C, E>): Contract<C, E> {
  return contract;
}
