/**
 * The last few values decoded from wire texts, by their exact text. Every step of a secure sum
 * (and, in one process, every member's copy of it) carries the same configuration JSON, and
 * decoding is a pure function of the text, so each text is decoded and validated once. The
 * least recently used entry leaves first.
 */
export class RecentDecodes<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The value decoded from `text` (by `decode`, which may throw; nothing is kept then). */
  get(text: string, decode: (text: string) => V): V {
    let v = this.map.get(text);
    if (v === undefined) v = decode(text);
    else this.map.delete(text);
    this.map.set(text, v);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
    return v;
  }
}
