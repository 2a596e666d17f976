import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** A connected socket, plain or TLS: what connect hands to a protocol engine. */
export type Connection = Socket | TLSSocket;
