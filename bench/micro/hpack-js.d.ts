// Just what bench/micro/hpack.bench.ts uses of hpack.js (2.1.6, no types of its own).
declare module 'hpack.js' {
  interface HpackJsField {
    readonly name: string;
    readonly value: string;
  }
  interface HpackJsDecompressor {
    write(block: Buffer): boolean;
    execute(): void;
    read(): HpackJsField | null;
  }
  const hpack: { decompressor: { create(options: { table: { size: number } }): HpackJsDecompressor } };
  export default hpack;
}
