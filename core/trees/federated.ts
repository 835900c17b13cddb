/**
 * Horizontal federated gradient boosting: the boosting of ./boost.ts where every party (member)
 * keeps its rows, and the consortium only ever sees sums over members.
 *
 * What goes through the sum. The consortium total is obtained through a {@link HistogramSum}
 * port, to which each member hands one vector; the port returns their element-wise sum. In
 * production the port is the secure sum (only the total is revealed); in one process, tests use
 * {@link plainHistogramSum}. The vectors are, in order:
 *
 *   - {@link federatedBinEdges}: once, each member's {@link gridCounts} of every feature over the
 *     public grids, concatenated (length Σ_f (grid_f.length + 1));
 *   - {@link trainFederatedBoosted}: once, the pair (rows, positives) of each member (length 2),
 *     for the base score; then, per tree and level, the histograms a ./level-grower.ts
 *     LevelGrower asks for (the root's, then one child's of every split node, whose sibling is
 *     the parent's minus it), concatenated — so at most maxDepth sums per tree.
 *
 * Every split decision is taken on the summed histograms only (./split.ts), the same for all
 * members; each member then partitions its own rows by the published split. Since histograms
 * are additive in rows, the trees are those of {@link trainBoosted} on the pooled rows (up to
 * floating-point rounding in the order of the sums) when no sampling is drawn.
 *
 * Sampling. Row subsampling is drawn by each member for its own rows, from its own generator
 * (seeded from one draw of `rng` and the member's name); feature subsampling is drawn once per
 * tree from `rng`. With both fractions 1 nothing is drawn.
 *
 * Pure module: no I/O, no clock; randomness only from `rng`.
 */
import { deriveSeed, seededRng, uniform01 } from '../random.ts';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import type { BinnedData } from './bins.ts';
import { edgesFromCounts, gridCounts } from './bins.ts';
import type { BoostedModel, BoostOptions } from './boost.ts';
import { drawTreeFeatures, logisticGradients, resolveBoostOptions } from './boost.ts';
import type { HistogramLayout } from './histogram.ts';
import { histogramLayout, sumHistograms } from './histogram.ts';
import { levelHistograms } from './grow.ts';
import { LevelGrower } from './level-grower.ts';
import type { Tree, TreeParams } from './tree.ts';
import { checkTreeParams, predictTree } from './tree.ts';

/**
 * The consortium's sum: given each member's vector (keyed by member name, all of one length),
 * their element-wise total. The secure sum plugs in here.
 */
export type HistogramSum = (perMember: ReadonlyMap<string, Float64Array>) => Promise<Float64Array>;

/** A {@link HistogramSum} that adds the vectors in the clear, in one process. */
export const plainHistogramSum: HistogramSum = async (perMember) => sumHistograms([...perMember.values()]);

/** A member's binned rows and labels (1 = positive). */
export interface FederatedMember {
  name: string;
  data: BinnedData;
  labels: ArrayLike<number>;
}

/** Calls `sum` and checks that the total has the length of the contributions. */
async function sumChecked(sum: HistogramSum, perMember: Map<string, Float64Array>, length: number): Promise<Float64Array> {
  const total = await sum(perMember);
  if (total.length !== length) throw new CoreInputError(`sum returned ${total.length} values, expected ${length}`, 'sum');
  return total;
}

/**
 * Common bin edges of the members' raw columns (one array of values per feature, NaN missing):
 * each member's {@link gridCounts} over the public `grids` (one per feature) are summed through
 * `sum` in one call, and each feature's edges are {@link edgesFromCounts} of its summed counts.
 */
export async function federatedBinEdges(
  members: ReadonlyArray<{ name: string; columns: readonly ArrayLike<number>[] }>,
  grids: readonly ArrayLike<number>[],
  maxBins: number,
  sum: HistogramSum,
): Promise<Float64Array[]> {
  checkNames(members);
  const offsets = [0];
  for (const g of grids) offsets.push(offsets[offsets.length - 1]! + g.length + 1);
  const length = offsets[grids.length]!;
  const perMember = new Map<string, Float64Array>();
  for (const m of members) {
    if (m.columns.length !== grids.length) {
      throw new CoreInputError(`federatedBinEdges: member ${m.name} has ${m.columns.length} columns for ${grids.length} grids`, 'members');
    }
    const v = new Float64Array(length);
    for (const [f, grid] of grids.entries()) v.set(gridCounts(m.columns[f]!, grid), offsets[f]!);
    perMember.set(m.name, v);
  }
  const total = await sumChecked(sum, perMember, length);
  return grids.map((grid, f) => edgesFromCounts(grid, total.subarray(offsets[f]!, offsets[f + 1]!), maxBins));
}

/** Throws unless there is at least one member and the names are distinct. */
function checkNames(members: ReadonlyArray<{ name: string }>): void {
  if (members.length === 0) throw new CoreInputError('no members', 'members');
  const names = new Set(members.map((m) => m.name));
  if (names.size !== members.length) throw new CoreInputError('member names must be distinct', 'members');
}

/** A member's state during training. */
interface MemberState {
  member: FederatedMember;
  margin: Float64Array;
  grad: Float64Array;
  hess: Float64Array;
  all: Uint32Array;
  rng: Rng | undefined;
}

/**
 * Trains the model of {@link trainBoosted} over the members' rows without pooling them: every
 * node histogram is the sum through `sum` of the members' histograms of their own rows. All
 * members' data must be binned with the same edges (equal `bins`), and the labels over all
 * members must have both classes.
 */
export async function trainFederatedBoosted(
  members: readonly FederatedMember[],
  options: BoostOptions,
  sum: HistogramSum,
  rng: Rng,
): Promise<BoostedModel> {
  const o = resolveBoostOptions(options);
  checkTreeParams(o);
  checkNames(members);
  const bins = members[0]!.data.bins;
  if (bins.length === 0) throw new CoreInputError('trainFederatedBoosted: data has no features', 'data');
  const counts = new Map<string, Float64Array>();
  for (const m of members) {
    const { n } = m.data;
    if (m.data.bins.length !== bins.length || m.data.bins.some((b, f) => b !== bins[f])) {
      throw new CoreInputError(`trainFederatedBoosted: member ${m.name} is binned differently from ${members[0]!.name}`, 'members');
    }
    if (m.labels.length !== n) throw new CoreInputError(`trainFederatedBoosted: member ${m.name} has ${m.labels.length} labels for ${n} rows`, 'labels');
    let positives = 0;
    for (let i = 0; i < n; i++) {
      const y = m.labels[i]!;
      if (y !== 0 && y !== 1) throw new CoreInputError(`trainFederatedBoosted: member ${m.name}: labels[${i}] must be 0 or 1, got ${y}`, 'labels');
      positives += y;
    }
    counts.set(m.name, Float64Array.of(n, positives));
  }
  const [rows, positives] = await sumChecked(sum, counts, 2);
  if (!(positives! > 0 && positives! < rows!)) throw new CoreInputError('trainFederatedBoosted: the labels need both classes', 'labels');
  const mean = positives! / rows!;
  const baseScore = Math.log(mean / (1 - mean));

  const seed = o.rowSubsample < 1 ? new DataView(rng(4).buffer).getUint32(0, true) : 0;
  const states: MemberState[] = members.map((member) => {
    const n = member.data.n;
    return {
      member,
      margin: new Float64Array(n).fill(baseScore),
      grad: new Float64Array(n),
      hess: new Float64Array(n),
      all: Uint32Array.from({ length: n }, (_, i) => i),
      rng: o.rowSubsample < 1 ? seededRng(deriveSeed(seed, member.name)) : undefined,
    };
  });
  const layout = histogramLayout(bins);
  const trees: Tree[] = [];
  for (let t = 0; t < o.trees; t++) {
    const rowsOf = new Map<string, Uint32Array>();
    for (const s of states) {
      logisticGradients(s.margin, s.member.labels, s.grad, s.hess);
      const memberRng = s.rng;
      rowsOf.set(s.member.name, memberRng === undefined ? s.all : s.all.filter(() => uniform01(memberRng) < o.rowSubsample));
    }
    const features = drawTreeFeatures(bins.length, o.featureSubsample, rng);
    const tree = await growFederatedTree(states, rowsOf, layout, o, features, sum);
    trees.push(tree);
    for (const s of states) {
      for (let i = 0; i < s.member.data.n; i++) s.margin[i]! += predictTree(tree, s.member.data, i);
    }
  }
  return { baseScore, trees };
}

/**
 * One tree grown by a {@link LevelGrower} whose level histograms are the sums through `sum` of
 * the members' level histograms of their own rows (`rows`: each member's rows for this tree).
 */
async function growFederatedTree(
  states: readonly MemberState[],
  rows: Map<string, Uint32Array>,
  layout: HistogramLayout,
  params: TreeParams,
  features: readonly number[],
  sum: HistogramSum,
): Promise<Tree> {
  const grower = new LevelGrower(layout, params, features);
  for (let req = grower.next(); req; req = grower.next()) {
    const perMember = new Map<string, Float64Array>();
    for (const s of states) perMember.set(s.member.name, levelHistograms(layout, s.member.data, s.grad, s.hess, rows.get(s.member.name)!, req));
    grower.receive(await sumChecked(sum, perMember, req.nodes.length * layout.length));
  }
  return grower.build();
}
