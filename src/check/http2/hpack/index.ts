// HPACK (RFC 7541) for the HTTP/2 engine: a decoder with the dynamic table and a stateless
// static-table encoder. Imports nothing outside this folder but node built-ins.
export { HpackDecoder, DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE, type HpackDecoderOptions, type HeaderFieldSink } from './decoder.js';
export { HpackEncoder, type HeaderField } from './encoder.js';
export { HpackError } from './hpack-error.js';
