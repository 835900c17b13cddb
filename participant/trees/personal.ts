/**
 * Boosted trees as a family of models a member personalizes (participant/personal/personalize.ts):
 * rows are the member's tree features, row-major; "training one epoch further" adds
 * {@link TREES_PER_EPOCH} trees grown on the member's own rows with the job's settings and bin
 * edges, on top of the model it starts from — the global model for fine-tuning (personal trees
 * that correct it where the member's portfolio differs), or the member's base score alone for
 * its local-only model. Nothing trained here leaves the member.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import { sigmoid } from '../../core/trees/boost.ts';
import type { GbdtSpec } from '../../core/trees/job-stages.ts';
import { baseScoreOf } from '../../core/trees/job-stages.ts';
import { emptyPacked, scoreTree, unpackBoosted } from '../../core/trees/model-pack.ts';
import type { ModelFamily, Rows } from '../personal/personalize.ts';
import { boostColumns } from './local-boosting.ts';

/** Trees a member adds per epoch of personalization. */
export const TREES_PER_EPOCH = 5;

/** Column-major copy of row-major rows of `width` values. */
function columnsOf(rows: Rows, width: number): Float64Array[] {
  const n = rows.y.length;
  return Array.from({ length: width }, (_, f) => Float64Array.from({ length: n }, (_, i) => rows.x[i * width + f]!));
}

/** The boosted family of a gbdt job for `member`, whose training rows are `train`. */
export function boostedFamily(o: { schema: DataSchema; spec: GbdtSpec; edges: number[][]; seed: number; member: string; width: number; train: Rows }): ModelFamily {
  const { width } = o;
  return {
    scores(w, rows) {
      const model = unpackBoosted(w, width);
      const n = rows.y.length;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let m = model.baseScore;
        for (const tree of model.trees) m += scoreTree(tree, (f) => rows.x[i * width + f]!);
        out[i] = sigmoid(m);
      }
      return out;
    },
    async train(start, rows, epochs, label) {
      return boostColumns({
        schema: o.schema, spec: o.spec, edges: o.edges, trees: epochs * TREES_PER_EPOCH, seed: o.seed, name: `personal:${o.member}:${label}`,
        start, columns: columnsOf(rows, width), labels: rows.y,
      });
    },
    initial() {
      let positives = 0;
      for (const y of o.train.y) positives += y;
      return emptyPacked(baseScoreOf(o.train.y.length, positives));
    },
  };
}
