/**
 * A header block the decoder refuses. `reason` is a short snake_case code naming the violation.
 * `connectionError: true` is a COMPRESSION_ERROR (RFC 9113 §4.3): the dynamic table can no
 * longer be trusted, the connection must end with GOAWAY and the decoder is not used again.
 * `false` only for 'header_list_too_large': the block was decoded to its end (the table is in
 * sync) and only the stream is reset.
 */
export class HpackError extends Error {
  readonly reason: string;
  readonly connectionError: boolean;

  constructor(reason: string, detail: string, connectionError = true) {
    super(`hpack ${reason}: ${detail}`);
    this.name = 'HpackError';
    this.reason = reason;
    this.connectionError = connectionError;
  }
}
