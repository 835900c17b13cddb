/**
 * Cost of exact DP noise, measured side by side in one process (section 3 of `npm run bench`):
 *
 * 1. Samplers per million draws, all over node:crypto bytes as in production: float Box–Muller
 *    (participant/trainer/dp-random.ts `gaussianVector`), the exact discrete Gaussian of Karney
 *    2016 Algorithm D at DP-SGD's lattice scale (core/privacy/karney-dgauss.ts, σ of the lattice
 *    plan of an MLP[16] at z = 1.1) and, for reference, the bigint CKS 2020 sampler
 *    (core/privacy/discrete-gaussian.ts, timed on fewer draws and scaled). Repetitions are
 *    interleaved and the median is reported.
 * 2. One DP-SGD epoch (trainLocal: Poisson sampling at q = batch/rows, z = 1.1, C = 1, sgd) with
 *    `secureNoise` false and true, interleaved, for logistic regression and an MLP[16] over the
 *    credit schema's inputs, and an MLP with the bench's `--hidden` layers (~100k parameters by
 *    default) to show where the noise starts to dominate. Medians after one untimed warm-up pair.
 */
import type { FitConfig, ModelSpec } from '../core/job.ts';
import { initialWeights, modelLayout } from '../core/model/layout.ts';
import { sampleDiscreteGaussian } from '../core/privacy/discrete-gaussian.ts';
import { karneyDiscreteGaussian } from '../core/privacy/karney-dgauss.ts';
import { latticeNoisePlan } from '../core/privacy/lattice-noise.ts';
import { seededRng } from '../core/random.ts';
import { layoutSize } from '../core/types.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { gaussianVector } from '../participant/trainer/dp-random.ts';
import { syntheticRows } from '../participant/trainer/fixtures.ts';
import { trainLocal } from '../participant/trainer/train.ts';
import { median } from './stats.ts';

/** Sampler throughput, milliseconds per million draws (medians). */
/** Rows and batch of the DP-SGD epochs of section 3 (q = 64/5000: 78 steps per epoch). */
export const DP_ROWS = 5000;
export const DP_BATCH = 64;

/** Section 3 of `npm run bench`: the samplers and the DP-SGD epochs. */
export interface DpNoiseResult {
  sampler: SamplerResult;
  epochs: EpochResult[];
}

export interface SamplerResult {
  /** σ of the lattice sampler, in grid steps. */
  latticeSigma: number;
  boxMullerMsPerMillion: number;
  latticeMsPerMillion: number;
  cksMsPerMillion: number;
  /** lattice / Box–Muller. */
  latticeOverBoxMuller: number;
  /** Random bytes per lattice draw. */
  latticeBytesPerDraw: number;
}

/** One model's DP-SGD epoch with and without secureNoise. */
export interface EpochResult {
  model: string;
  parameters: number;
  steps: number;
  floatMs: number;
  latticeMs: number;
  /** latticeMs / floatMs. */
  ratio: number;
  /** Noise draws per epoch (steps × parameters). */
  draws: number;
}

/** Times `draws` draws of each sampler, `reps` interleaved repetitions. */
export function runSamplerBench(draws = 1_000_000, reps = 5, inputDim = 40): SamplerResult {
  const plan = latticeNoisePlan(1.1, 1, layoutSize(modelLayout({ type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' }, inputDim)));
  const sigma = plan.sigma.num / plan.sigma.den;
  const cksDraws = Math.max(1000, Math.floor(draws / 20));
  const bm: number[] = [];
  const lat: number[] = [];
  const cks: number[] = [];
  let bytes = 0;
  for (let r = 0; r < reps + 1; r++) {
    let t = performance.now();
    gaussianVector(cryptoRng, draws, 1);
    const tBm = performance.now() - t;
    const sampler = karneyDiscreteGaussian(plan.sigma, cryptoRng);
    const out = new Float64Array(draws);
    t = performance.now();
    sampler.fill(out);
    const tLat = performance.now() - t;
    bytes = sampler.bytesDrawn;
    t = performance.now();
    sampleDiscreteGaussian(cksDraws, sigma * sigma, cryptoRng);
    const tCks = ((performance.now() - t) * draws) / cksDraws;
    if (r === 0) continue; // warm-up
    bm.push(tBm);
    lat.push(tLat);
    cks.push(tCks);
  }
  const scale = 1e6 / draws;
  const result = {
    latticeSigma: sigma,
    boxMullerMsPerMillion: median(bm) * scale,
    latticeMsPerMillion: median(lat) * scale,
    cksMsPerMillion: median(cks) * scale,
    latticeBytesPerDraw: bytes / draws,
  };
  return { ...result, latticeOverBoxMuller: result.latticeMsPerMillion / result.boxMullerMsPerMillion };
}

/** Times one DP-SGD epoch per model with secureNoise false and true, `reps` interleaved pairs. */
export async function runEpochBench(inputDim: number, hidden: number[], rows = 5000, batch = 64, reps = 5, log: (s: string) => void = () => {}): Promise<EpochResult[]> {
  const data = syntheticRows(rows, inputDim, 7);
  const models: { label: string; spec: ModelSpec; reps: number }[] = [
    { label: 'logistic', spec: { type: 'logistic' }, reps },
    { label: 'mlp[16]', spec: { type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' }, reps },
    { label: `mlp[${hidden.join(',')}]`, spec: { type: 'mlp', hidden, dropout: 0, activation: 'relu' }, reps: Math.max(2, Math.ceil(reps / 2)) },
  ];
  const fit: FitConfig = {
    train: { localEpochs: 1, batchSize: batch, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none', l2: 0 },
    mu: 0,
    classWeights: { positive: 1, negative: 1 },
    seed: 3,
  };
  const out: EpochResult[] = [];
  for (const m of models) {
    const weights = initialWeights(m.spec, inputDim, seededRng(1));
    const parameters = weights.length;
    const times = { float: [] as number[], lattice: [] as number[] };
    let steps = 0;
    for (let r = 0; r < m.reps + 1; r++) {
      for (const secureNoise of r % 2 === 0 ? [false, true] : [true, false]) {
        const dp = { noiseMultiplier: 1.1, clipNorm: 1, sampleRate: Math.min(1, batch / rows), secureNoise };
        const t = performance.now();
        const res = await trainLocal({ spec: m.spec, inputDim, weights, x: data.x, y: data.y, fit, dp });
        const ms = performance.now() - t;
        steps = res.steps;
        if (r > 0) times[secureNoise ? 'lattice' : 'float'].push(ms);
      }
    }
    const floatMs = median(times.float);
    const latticeMs = median(times.lattice);
    out.push({ model: m.label, parameters, steps, floatMs, latticeMs, ratio: latticeMs / floatMs, draws: steps * parameters });
    log(`  ${m.label} (${parameters} parameters): float ${floatMs.toFixed(0)} ms, lattice ${latticeMs.toFixed(0)} ms per epoch`);
  }
  return out;
}

/** Markdown rows of the DP noise section. */
export function dpNoiseRows(s: SamplerResult, epochs: EpochResult[], rows: number, batch: number): [string, string, string][] {
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  return [
    ['Box–Muller float Gaussian (ms per 10^6 draws)', `${f(s.boxMullerMsPerMillion, 0)}  (crypto bytes; dp-random.ts gaussianVector)`, ''],
    ['exact lattice Gaussian, Karney (ms per 10^6 draws)', `${f(s.latticeMsPerMillion, 0)}  (σ = ${f(s.latticeSigma, 0)} grid steps, ${f(s.latticeBytesPerDraw, 1)} random bytes per draw)`, ''],
    ['**lattice / Box–Muller** (sampler)', `**${f(s.latticeOverBoxMuller, 2)}**`, ''],
    ['exact CKS sampler, bigint (ms per 10^6 draws)', `${f(s.cksMsPerMillion, 0)}  (discrete-gaussian.ts, same σ; for reference)`, ''],
    ...epochs.map((e): [string, string, string] => [
      `DP-SGD epoch, ${e.model} (${e.parameters.toLocaleString('en-US')} parameters)`,
      `float ${f(e.floatMs, 0)} ms, lattice ${f(e.latticeMs, 0)} ms: **×${f(e.ratio, 2)}**  (${e.steps} steps of q = ${batch}/${rows}, ${e.draws.toLocaleString('en-US')} noise draws)`,
      '',
    ]),
  ];
}
