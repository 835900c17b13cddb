/**
 * When bytes sent over a shaped one-way link reach the far end: a serializing link of a fixed
 * bandwidth (a chunk occupies the link for bytes·8 / bandwidth, after every chunk sent before it),
 * then a fixed propagation delay, then optional periodic stalls during which nothing is delivered
 * (a burst of loss that TCP would recover by retransmitting: the bytes arrive late, in order).
 * Pure arithmetic over times the caller passes in (ms on any monotonic clock), so it is tested
 * exactly; sim/wan/shaped-link.ts applies it to real sockets.
 */
import { z } from 'zod';

/** Delivery stalls of a link: for `forMs` out of every `everyMs`, starting `offsetMs` after the link opened. */
export const StallSpecSchema = z
  .object({
    everyMs: z.number().positive(),
    forMs: z.number().positive(),
    offsetMs: z.number().min(0).default(0),
  })
  .strict()
  .refine((s) => s.forMs < s.everyMs, { message: 'forMs must be shorter than everyMs (a link that never delivers is not a stall)' });
export type StallSpec = z.input<typeof StallSpecSchema>;

/** The shape of one direction of a link. */
export const LinkShapeSchema = z
  .object({
    /** One-way propagation delay in ms. */
    latencyMs: z.number().min(0).max(60_000),
    /** Serialization rate in bits per second (100 Mbit/s = 100e6). */
    bandwidthBps: z.number().positive(),
    stall: StallSpecSchema.optional(),
  })
  .strict();
export type LinkShape = z.input<typeof LinkShapeSchema>;

/** The shape, validated; throws naming the field that is wrong. */
export function parseLinkShape(shape: LinkShape): z.output<typeof LinkShapeSchema> {
  const parsed = LinkShapeSchema.safeParse(shape);
  if (!parsed.success) throw new Error(`link shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(shape)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The delivery schedule of one direction of one connection. */
export class LinkSchedule {
  private shape: z.output<typeof LinkShapeSchema>;
  /** When the link finishes serializing what it was given so far. */
  private freeAt = Number.NEGATIVE_INFINITY;
  /** Latest delivery time handed out: deliveries never overtake each other. */
  private lastDelivery = Number.NEGATIVE_INFINITY;

  /** `openedAtMs` anchors the stall windows. */
  constructor(
    shape: LinkShape,
    private readonly openedAtMs: number,
  ) {
    this.shape = parseLinkShape(shape);
  }

  /** Applies a new shape to what is sent from now on (what is queued keeps its delivery time). */
  reshape(shape: LinkShape): void {
    this.shape = parseLinkShape(shape);
  }

  /** Milliseconds the link needs to serialize `bytes`. */
  serializationMs(bytes: number): number {
    return (bytes * 8 * 1000) / this.shape.bandwidthBps;
  }

  /** When a chunk of `bytes` handed to the link at `nowMs` is delivered at the far end. */
  deliveryTime(nowMs: number, bytes: number): number {
    const start = Math.max(nowMs, this.freeAt);
    this.freeAt = start + this.serializationMs(bytes);
    const arrives = this.afterStalls(this.freeAt + this.shape.latencyMs);
    this.lastDelivery = Math.max(this.lastDelivery, arrives);
    return this.lastDelivery;
  }

  /** `t` itself, or the end of the stall window it falls into. */
  afterStalls(t: number): number {
    const s = this.shape.stall;
    if (!s) return t;
    const since = t - this.openedAtMs - s.offsetMs;
    if (since < 0) return t;
    const into = since % s.everyMs;
    return into < s.forMs ? t + (s.forMs - into) : t;
  }
}
