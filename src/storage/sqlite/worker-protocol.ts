import type { Store } from '../store.js';
import { StoreConflictError, StoreInputError } from '../store.js';

export type StoreCall = { id: number; method: keyof Store; args: unknown[] };
export type WireError = { name: string; field: string | null; message: string };
export type StoreReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };
/** the worker's first message: the store opened, or why it could not */
export type WorkerReady = { ready: true } | { ready: false; error: WireError };

/** Errors cross the thread boundary as plain data; the store's own classes are rebuilt. */
export function toWire(err: unknown): WireError {
  if (err instanceof StoreConflictError || err instanceof StoreInputError) {
    return { name: err.name, field: err.field, message: err.message };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, field: null, message: e.message };
}

export function fromWire(wire: WireError): Error {
  if (wire.name === 'StoreConflictError') return new StoreConflictError(wire.field ?? '', wire.message);
  if (wire.name === 'StoreInputError') return new StoreInputError(wire.field ?? '', wire.message);
  const err = new Error(wire.message);
  err.name = wire.name;
  return err;
}
