/**
 * The readable, saved form of a boosted model: its trees with feature names and thresholds in
 * the features' own units, and the conversion back to the packed vector a scorer reads. The
 * JSON is what `fedcredit run --out` writes (model.json) and what an auditor or another runtime
 * reads: a row goes left at a split when its value is missing and `missing` is "left", or when
 * it is present and ≤ `threshold` (`threshold` null: every present value goes left).
 *
 * Pure module: no I/O.
 */
import { z } from 'zod';
import { CoreInputError } from '../types.ts';
import { ALL_VALUES, BOOSTED_FORMAT, PACKED_FORMAT, unpackBoosted } from './model-pack.ts';

const SplitNode = z.strictObject({
  feature: z.string().min(1),
  threshold: z.number().nullable(),
  missing: z.enum(['left', 'right']),
  left: z.number().int().min(1),
  right: z.number().int().min(1),
});
const LeafNode = z.strictObject({ leaf: z.number() });

/** The saved model (zod-validated when read). */
export const BoostedModelJsonSchema = z.strictObject({
  format: z.literal(BOOSTED_FORMAT),
  /** Margin (log-odds) before any tree; the probability is σ(base + Σ leaves). */
  baseScore: z.number(),
  /** Tree features, in the order `featureIndex` refers to (numeric names, then `name=level`). */
  features: z.array(z.string().min(1)).min(1),
  trees: z.array(z.strictObject({ nodes: z.array(z.union([SplitNode, LeafNode])).min(1) })),
});
export type BoostedModelJson = z.infer<typeof BoostedModelJsonSchema>;

/** The readable form of a packed model over tree features named `features`. */
export function boostedToJson(packed: Float32Array, features: readonly string[]): BoostedModelJson {
  const model = unpackBoosted(packed, features.length);
  return {
    format: BOOSTED_FORMAT,
    baseScore: model.baseScore,
    features: [...features],
    trees: model.trees.map((t) => ({
      nodes: Array.from(t.feature, (f, i) =>
        f < 0
          ? { leaf: t.value[i]! }
          : { feature: features[f]!, threshold: t.threshold[i] === ALL_VALUES ? null : t.threshold[i]!, missing: t.defaultLeft[i] ? ('left' as const) : ('right' as const), left: t.left[i]!, right: t.right[i]! },
      ),
    })),
  };
}

/** The packed model of a saved one; throws {@link CoreInputError} naming what is wrong and where. */
export function boostedFromJson(json: unknown, expectedFeatures?: readonly string[]): Float32Array {
  const parsed = BoostedModelJsonSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new CoreInputError(`boosted model: ${i.path.join('.') || '(root)'}: ${i.message}`, 'json');
  }
  const m = parsed.data;
  if (expectedFeatures && m.features.join('\u0000') !== expectedFeatures.join('\u0000')) {
    throw new CoreInputError(`boosted model: its features [${m.features.join(', ')}] are not the schema's [${expectedFeatures.join(', ')}]`, 'features');
  }
  const index = new Map(m.features.map((f, i) => [f, i]));
  const out: number[] = [PACKED_FORMAT, m.baseScore, m.trees.length];
  m.trees.forEach((t, ti) => {
    out.push(t.nodes.length);
    t.nodes.forEach((n, ni) => {
      if ('leaf' in n) out.push(-1, 0, 0, -1, -1, n.leaf);
      else {
        const f = index.get(n.feature);
        if (f === undefined) throw new CoreInputError(`boosted model: trees.${ti}.nodes.${ni}.feature "${n.feature}" is not among the model's features`, 'json');
        out.push(f, n.threshold === null ? ALL_VALUES : n.threshold, n.missing === 'left' ? 1 : 0, n.left, n.right, 0);
      }
    });
  });
  const packed = Float32Array.from(out);
  unpackBoosted(packed, m.features.length); // checks the node links
  return packed;
}
