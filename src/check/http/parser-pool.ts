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

export const HTTPParser = (createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserConstructor }).HTTPParser;

const RESOURCE = Object.freeze({});

export class ParserPool {
  private readonly idle: NativeParser[] = [];

  constructor(private readonly maxIdle: number = 1000) {}

  /** A response parser, initialised: strict llhttp except that a bare LF may end a line. */
  alloc(maxHeaderBytes: number): NativeParser {
    const parser = this.idle.pop() ?? new HTTPParser();
    // Old servers and embedded devices send LF-only responses; accepting them opens no
    // smuggling hole on the client side (conflicting framing is still refused).
    parser.initialize(HTTPParser.RESPONSE, RESOURCE, maxHeaderBytes, HTTPParser.kLenientOptionalCRBeforeLF);
    return parser;
  }

  /** Never call from inside one of the parser's own callbacks (execute/finish still running). */
  release(parser: NativeParser): void {
    parser[HTTPParser.kOnHeaders] = undefined;
    parser[HTTPParser.kOnHeadersComplete] = undefined;
    parser[HTTPParser.kOnBody] = undefined;
    parser[HTTPParser.kOnMessageComplete] = undefined;
    parser.remove();
    if (this.idle.length < this.maxIdle) {
      parser.free();
      this.idle.push(parser);
    } else {
      parser.close();
    }
  }
}
