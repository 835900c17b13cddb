/** Exports of the WebAssembly module of arithmetic modulo 2^255 − 19 (pointers are byte offsets into `memory`). */
export interface Fe25519Exports {
  memory: WebAssembly.Memory;
  mul(o: number, a: number, b: number): void;
  sq(o: number, a: number): void;
  /** `n` ≥ 1 squarings. */
  sqn(o: number, a: number, n: number): void;
  add(o: number, a: number, b: number): void;
  sub(o: number, a: number, b: number): void;
  /** 32 little-endian bytes (bit 255 ignored) into a field element. */
  frombytes(o: number, bytes: number): void;
  /** The canonical value of a field element as 32 little-endian bytes. */
  tobytes(bytes: number, a: number): void;
}
/** The module's bytes, with `pages` of 64 KiB memory to start with. */
export declare function fe25519ModuleBytes(pages?: number): Uint8Array;
/** A compiled, instantiated module's exports. */
export declare function instantiateFe25519(pages?: number): Fe25519Exports;
