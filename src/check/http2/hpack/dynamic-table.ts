// The decoder's dynamic table (RFC 7541 §2.3.2, §4): a ring of entries, newest first by index,
// evicted oldest-first whenever their total size exceeds the current capacity.

/** Size of one entry as HPACK counts it: octets of name and value plus 32 (RFC 7541 §4.1). */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

export class DynamicTable {
  // Small at first (grown by doubling): a fresh connection's one response adds a few entries.
  private names: string[] = new Array<string>(4).fill('');
  private values: string[] = new Array<string>(4).fill('');
  private mask = 3;
  private oldest = 0;
  /** entries held */
  length = 0;
  /** sum of entrySize over the entries */
  sizeBytes = 0;

  constructor(public capacityBytes: number) {}

  /** Name of the entry at 0-based position i, newest first (HPACK index 62 is i = 0). */
  nameAt(i: number): string {
    return this.names[(this.oldest + this.length - 1 - i) & this.mask] as string;
  }

  valueAt(i: number): string {
    return this.values[(this.oldest + this.length - 1 - i) & this.mask] as string;
  }

  /** Adds an entry, evicting as needed; an entry larger than the capacity empties the table. */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.capacityBytes) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.capacityBytes - size);
    if (this.length > this.mask) this.grow();
    const slot = (this.oldest + this.length) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.length++;
    this.sizeBytes += size;
  }

  setCapacity(capacityBytes: number): void {
    this.capacityBytes = capacityBytes;
    this.evictTo(capacityBytes);
  }

  private evictTo(maxBytes: number): void {
    while (this.sizeBytes > maxBytes) {
      const slot = this.oldest;
      this.sizeBytes -= entrySize(this.names[slot] as string, this.values[slot] as string);
      this.names[slot] = '';
      this.values[slot] = '';
      this.oldest = (this.oldest + 1) & this.mask;
      this.length--;
    }
  }

  /** Doubles the ring; entries never outnumber capacityBytes / 32, so neither does the ring (x2). */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    const names = new Array<string>(size).fill('');
    const values = new Array<string>(size).fill('');
    for (let i = 0; i < this.length; i++) {
      names[i] = this.names[(this.oldest + i) & this.mask] as string;
      values[i] = this.values[(this.oldest + i) & this.mask] as string;
    }
    this.names = names;
    this.values = values;
    this.mask = size - 1;
    this.oldest = 0;
  }
}
