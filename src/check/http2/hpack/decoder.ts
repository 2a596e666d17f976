// HPACK decoder (RFC 7541 §3, §6): one per connection, fed every header block in the order the
// blocks arrive, because the blocks share the dynamic table.
import { BlockReader, MAX_HPACK_INTEGER } from './block-reader.js';
import { DynamicTable, entrySize } from './dynamic-table.js';
import { HpackError } from './hpack-error.js';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

/**
 * SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2): the peer's encoder starts here.
 * @public
 */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** @public the decoder's default maxHeaderListSize, for the engine to advertise */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 64 * 1024;
/** RFC 7541 §4.2: the smallest and the final size; a third update at one block's start is abuse. */
const MAX_SIZE_UPDATES_PER_BLOCK = 2;

export interface HpackDecoderOptions {
  /** The SETTINGS_HEADER_TABLE_SIZE we advertise (default 4096): the largest size update accepted. */
  maxTableSize?: number;
  /** RFC 9113 §6.5.2 size (name + value + 32 per field) beyond which the stream is refused. */
  maxHeaderListSize?: number;
}

/** One decoded field; isNeverIndexed marks a never-indexed literal (RFC 7541 §6.2.3). */
export type HeaderFieldSink = (name: string, value: string, isNeverIndexed: boolean) => void;

export class HpackDecoder {
  private readonly reader = new BlockReader();
  private readonly table: DynamicTable;
  /** our SETTINGS_HEADER_TABLE_SIZE in force: no size update may exceed it */
  private maxTableSizeBytes: number;
  private readonly maxHeaderListBytes: number;
  /** set when our limit fell below the table's capacity: the next block must start with an update */
  private isSizeUpdateRequired: boolean;
  /** a connection error poisons the decoder: its table may be half-updated */
  private failure: HpackError | undefined;

  constructor(opts: HpackDecoderOptions = {}) {
    this.maxTableSizeBytes = checkSize('maxTableSize', opts.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE);
    this.maxHeaderListBytes = checkSize('maxHeaderListSize', opts.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE);
    this.table = new DynamicTable(Math.min(DEFAULT_HEADER_TABLE_SIZE, this.maxTableSizeBytes));
    this.isSizeUpdateRequired = this.maxTableSizeBytes < DEFAULT_HEADER_TABLE_SIZE;
  }

  /**
   * Call when the peer acknowledges a SETTINGS_HEADER_TABLE_SIZE of n. A smaller limit shrinks
   * the table now and the peer's next block must open with a size update (RFC 7541 §4.2).
   */
  setMaxTableSize(n: number): void {
    this.maxTableSizeBytes = checkSize('maxTableSize', n);
    if (n < this.table.capacityBytes) {
      this.table.setCapacity(n);
      this.isSizeUpdateRequired = true;
    }
  }

  /**
   * Decodes one complete header block (`block` from `start` to `end`: the engine passes the
   * frame it read, no view made per block), calling onField per field in order. onField must
   * not throw (if it does, the decoder is unusable, as after a connection error).
   * Throws HpackError; see its doc for connectionError and header_list_too_large.
   */
  decode(block: Uint8Array, onField: HeaderFieldSink, start = 0, end = block.length): void {
    if (this.failure !== undefined) throw this.failure;
    if (!(start >= 0 && start <= end && end <= block.length)) throw new RangeError(`decode: ${start}..${end} is not within the ${block.length}-byte block`);
    try {
      this.decodeBlock(block, start, end, onField);
    } catch (err) {
      if (!(err instanceof HpackError)) this.failure = new HpackError('decoder_aborted', 'a previous block was abandoned mid-way');
      else if (err.connectionError) this.failure = err;
      throw err;
    } finally {
      this.reader.release();
    }
  }

  private decodeBlock(block: Uint8Array, start: number, end: number, onField: HeaderFieldSink): void {
    const reader = this.reader;
    const table = this.table;
    reader.reset(block, start, end);
    let sizeUpdates = 0;
    let hasField = false;
    let listBytes = 0;
    let isTooLarge = false;
    while (reader.pos < reader.end) {
      const first = reader.peek();
      if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3): only before the first field of a block.
        if (hasField) throw new HpackError('table_size_update_not_at_start', 'a table size update follows a header field');
        if (++sizeUpdates > MAX_SIZE_UPDATES_PER_BLOCK) throw new HpackError('too_many_table_size_updates', `more than ${MAX_SIZE_UPDATES_PER_BLOCK} table size updates in one block`);
        const size = reader.readInteger(5);
        if (size > this.maxTableSizeBytes) throw new HpackError('table_size_update_too_large', `table size update to ${size} above our limit ${this.maxTableSizeBytes}`);
        table.setCapacity(size);
        this.isSizeUpdateRequired = false;
        continue;
      }
      if (!hasField) {
        if (this.isSizeUpdateRequired) throw new HpackError('table_size_update_missing', 'the block does not open with the table size update our smaller limit requires');
        hasField = true;
      }
      let name: string;
      let value: string;
      let isNeverIndexed = false;
      if (first >= 0x80) {
        // Indexed field (§6.1)
        const index = reader.readInteger(7);
        name = this.nameAt(index);
        value = index <= STATIC_TABLE_LENGTH ? (STATIC_TABLE[index - 1] as readonly [string, string])[1] : table.valueAt(index - STATIC_TABLE_LENGTH - 1);
      } else if (first >= 0x40) {
        // Literal with incremental indexing (§6.2.1)
        const nameIndex = reader.readInteger(6);
        name = nameIndex === 0 ? reader.readString() : this.nameAt(nameIndex);
        value = reader.readString();
        table.add(name, value);
      } else {
        // Literal without indexing (§6.2.2, 0000) or never indexed (§6.2.3, 0001)
        isNeverIndexed = first >= 0x10;
        const nameIndex = reader.readInteger(4);
        name = nameIndex === 0 ? reader.readString() : this.nameAt(nameIndex);
        value = reader.readString();
      }
      // Past the list limit the block is still decoded (the table must stay in step), unseen.
      if (!isTooLarge) {
        listBytes += entrySize(name, value);
        if (listBytes > this.maxHeaderListBytes) isTooLarge = true;
        else onField(name, value, isNeverIndexed);
      }
    }
    if (isTooLarge) throw new HpackError('header_list_too_large', `the header list exceeds ${this.maxHeaderListBytes} bytes`, false);
  }

  private nameAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) {
      if (index === 0) throw new HpackError('index_zero', 'index 0 is not a table entry');
      return (STATIC_TABLE[index - 1] as readonly [string, string])[0];
    }
    const dynamicIndex = index - STATIC_TABLE_LENGTH - 1;
    if (dynamicIndex >= this.table.length) throw new HpackError('index_out_of_range', `index ${index} beyond the ${this.table.length} dynamic entries`);
    return this.table.nameAt(dynamicIndex);
  }
}

function checkSize(field: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_HPACK_INTEGER) throw new RangeError(`HpackDecoder ${field}: ${n} is not an integer in 0..${MAX_HPACK_INTEGER}`);
  return n;
}
