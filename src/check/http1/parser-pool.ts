import { createRequire } from 'node:module';

/**
 * Node's llhttp binding (the parser behind node:http), reached through `_http_common`:
 * internal but stable across Node 18-22. Parsers are pooled like node:http does
 * (`parsers` FreeList): allocating and initialising a native parser per check is measurable
 * on the fresh-connection hot path.
 */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(chunk: Buffer): number | Error;
  finish(): undefined | Error;
  remove(): void;
  free(): void;
  close(): void;
  [key: number]: unknown;
}

export interface ParserConstructor {
  new (): NativeParser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientOptionalCRBeforeLF: number;
}

const STATIC_NUMBERS = ['RESPONSE', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kLenientOptionalCRBeforeLF'] as const;
const METHODS = ['initialize', 'execute', 'finish', 'remove', 'free', 'close'] as const;

/**
 * `_http_common` is internal (Node doc-deprecated the `_http_*` modules), so its shape is
 * checked once, when this module loads: a Node whose binding differs fails at start with
 * what is missing, instead of misparsing responses later. Tested on Node 20; `engines` in
 * package.json states the supported range.
 */
export function validateParserBinding(mod: unknown, nodeVersion: string = process.version): ParserConstructor {
  const parser = (mod as { HTTPParser?: unknown } | null)?.HTTPParser;
  const missing: string[] = [];
  if (typeof parser !== 'function') {
    missing.push('HTTPParser');
  } else {
    const ctor = parser as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };
    for (const name of STATIC_NUMBERS) if (typeof ctor[name] !== 'number') missing.push(`HTTPParser.${name}`);
    for (const name of METHODS) if (typeof ctor.prototype[name] !== 'function') missing.push(`HTTPParser.prototype.${name}()`);
  }
  if (missing.length > 0) {
    throw new Error(
      `Vigil's HTTP/1.1 engine needs Node's llhttp binding (node:_http_common HTTPParser) as Node 20 has it; ` +
      `Node ${nodeVersion} lacks ${missing.join(', ')}. Use a Node version in package.json "engines".`,
    );
  }
  return parser as unknown as ParserConstructor;
}

export const HTTPParser = validateParserBinding(createRequire(import.meta.url)('_http_common'));

/** What receives a parser's events while it is allocated (one response exchange). */
export interface ParserOwner {
  onHeaders(partial: string[]): void;
  /** llhttp's return value: 0 = a body follows, 1 = no body (HEAD), 2 = upgrade */
  onHeadersComplete(rawHeaders: string[] | undefined, statusCode: number, upgrade: boolean, shouldKeepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

const RESOURCE = Object.freeze({});
const kOwner = Symbol('vigil.parser.owner');
type OwnedParser = NativeParser & { [kOwner]: ParserOwner | null };

// The native parser calls these with `this` = the parser. They are installed once per
// parser and find the current exchange through one symbol-keyed property, so an exchange
// sets one field instead of four numeric-keyed callbacks (keyed stores on a native object
// go megamorphic on the hot path).
function onHeaders(this: OwnedParser, partial: string[]): void {
  this[kOwner]?.onHeaders(partial);
}
function onHeadersComplete(
  this: OwnedParser, _major: number, _minor: number, raw: string[] | undefined, _method: unknown, _url: unknown,
  statusCode: number, _reason: string, upgrade: boolean, shouldKeepAlive: boolean,
): number {
  const owner = this[kOwner];
  return owner === null ? 0 : owner.onHeadersComplete(raw, statusCode, upgrade, shouldKeepAlive);
}
function onBody(this: OwnedParser, chunk: Buffer): void {
  this[kOwner]?.onBody(chunk);
}
function onMessageComplete(this: OwnedParser): void {
  this[kOwner]?.onMessageComplete();
}

export class ParserPool {
  private readonly idle: OwnedParser[] = [];

  constructor(private readonly maxIdle: number = 1000) {}

  /** A response parser, initialised: strict llhttp except that a bare LF may end a line. */
  alloc(maxHeaderBytes: number, owner: ParserOwner): NativeParser {
    const parser = this.idle.pop() ?? newParser();
    parser[kOwner] = owner;
    // Old servers and embedded devices send LF-only responses; accepting them opens no
    // smuggling hole on the client side (conflicting framing is still refused).
    parser.initialize(HTTPParser.RESPONSE, RESOURCE, maxHeaderBytes, HTTPParser.kLenientOptionalCRBeforeLF);
    return parser;
  }

  /** Never call from inside one of the parser's own callbacks (execute/finish still running). */
  release(parser: NativeParser): void {
    const owned = parser as OwnedParser;
    owned[kOwner] = null;
    parser.remove();
    if (this.idle.length < this.maxIdle) {
      parser.free();
      this.idle.push(owned);
    } else {
      parser.close();
    }
  }
}

function newParser(): OwnedParser {
  const parser = new HTTPParser() as OwnedParser;
  parser[kOwner] = null;
  parser[HTTPParser.kOnHeaders] = onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = onHeadersComplete;
  parser[HTTPParser.kOnBody] = onBody;
  parser[HTTPParser.kOnMessageComplete] = onMessageComplete;
  return parser;
}
