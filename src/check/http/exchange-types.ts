import type { Limits } from '../clients.js';

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
  readonly limits: Limits;
}

/** What a protocol engine hands back: the raw response, body still encoded. */
export interface HopResponse {
  readonly httpVersion: '1.1' | '2';
  readonly statusCode: number;
  /** lower-case names; repeated headers joined with ", " (set-cookie ignored) */
  readonly headers: Readonly<Record<string, string>>;
  /** raw body chunks as received (after de-chunking), at most limits.maxBodyBytes in total */
  readonly bodyChunks: readonly Buffer[];
  readonly rawBodyBytes: number;
  /** the raw cap was hit: the body is incomplete */
  readonly bodyTruncated: boolean;
}
