/**
 * The contract between the check layer (src/check/http/) and the protocol engines below it
 * (src/check/http1/, and the HTTP/2 exchange over src/check/http2/): what one hop asks for
 * and what it gets back. It imports nothing, so an engine depending on it depends on no
 * part of the check layer.
 */

export interface Limits {
  /** raw (on-the-wire) body bytes read at most */
  readonly maxBodyBytes: number;
  /** decoded body bytes at most (gzip/br bombs) */
  readonly maxDecodedBytes: number;
  /** response header block bytes at most */
  readonly maxHeaderBytes: number;
}

/** One request on one hop, fully prepared by the orchestrator (headers final, auth applied). */
export interface HopRequest {
  readonly method: string;
  readonly url: URL;
  /** lower-case names; for HTTP/1.1 the orchestrator adds host/connection itself */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer | null;
  /** false for HEAD: read no body at all */
  readonly expectBody: boolean;
  /**
   * true when a body assertion (keyword/regex) needs the body; when false the engine may stop
   * reading once the raw cap is reached instead of failing.
   */
  readonly needBody: boolean;
  /**
   * The header names (lower case) the target's conditions read, computed once per plan; the
   * engines keep these in ResponseHeaders.raw (HTTP/1.1 keeps llhttp's list whole, it costs
   * nothing there; HTTP/2 keeps only these). Absent or null: none.
   */
  readonly keepHeaders?: ReadonlySet<string> | null;
  readonly limits: Limits;
  /**
   * Pre-rendered wire forms, built once per spec by hop-plan.ts: the HTTP/1.1 request head
   * (written as latin1, ending in the blank line) and the HTTP/2 HPACK header block (valid
   * on any connection: our encoder is stateless). An engine renders its own when absent.
   * The h2 block is rendered up front only with prior knowledge; an HTTPS request whose
   * connection picks h2 in ALPN has it rendered by its first HTTP/2 exchange, which keeps it
   * here for the later checks of the same plan (the one field an engine writes).
   */
  readonly http1Head?: string | undefined;
  h2Block?: Buffer | undefined;
}

/** What a protocol engine hands back: the raw response, body still encoded. */
export interface HopResponse {
  readonly httpVersion: '1.1' | '2';
  readonly statusCode: number;
  /** the response headers a check reads; absent when the response had none */
  readonly headers: ResponseHeaders;
  /** raw body chunks as received (after de-chunking), at most limits.maxBodyBytes in total */
  readonly bodyChunks: readonly Buffer[];
  readonly rawBodyBytes: number;
  /** the raw cap was hit: the body is incomplete */
  readonly bodyTruncated: boolean;
}

/**
 * The only response headers the orchestrator reads (decoding, redirects, 429/503 details);
 * repeated fields are joined with ", ". Picking them while parsing, instead of building a
 * map of every header, saves a lower-cased copy of each name per check.
 */
export interface ResponseHeaders {
  readonly contentEncoding: string | undefined;
  readonly location: string | undefined;
  readonly retryAfter: string | undefined;
  /**
   * Only when the request asked (keepHeaders): [name, value, …]. HTTP/1.1: every header as
   * llhttp reports it (names as sent); HTTP/2: the asked-for ones (names lower case, as h2 sends them).
   */
  readonly raw?: readonly string[];
}

/** A response without any of the three headers a check reads (shared, frozen). */
export const NO_RESPONSE_HEADERS: ResponseHeaders = Object.freeze({ contentEncoding: undefined, location: undefined, retryAfter: undefined });
