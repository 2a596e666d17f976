// HPACK (RFC 7541) for the HTTP/2 engine: a decoder with the dynamic table and a stateless
// static-table encoder. Imports nothing outside this folder but node built-ins.
// The API agreed with the engine; @public keeps knip from flagging the parts the engine does
// not import yet (it reads HpackError's fields without naming the class).
export { HpackDecoder } from './decoder.js';
/** @public */
export { DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE, type HpackDecoderOptions, type HeaderFieldSink } from './decoder.js';
export { HpackEncoder, type HeaderField } from './encoder.js';
/** @public */
export { HpackError } from './hpack-error.js';
