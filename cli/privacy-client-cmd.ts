/**
 * `fedcredit privacy client`: the accountant of client-level DP-FedAvg (core/privacy/client-dp.ts)
 * for planning a job — ε for a noise multiplier z, or the smallest z for a target ε, over R rounds,
 * for distributed noise (each participant's discrete Gaussian share inside the secure sum,
 * calibrated for t survivors; Kairouz, Liu & Steinke 2021) or central noise (trusted coordinator).
 * It computes the cost of a job with these settings by the function the participants' policy and
 * ledger checks use (core/privacy/job-cost.ts), so it is exactly what their ledgers will charge.
 */
import type { Command } from 'commander';
import { JobSpecSchema } from '../core/job.ts';
import type { PrivacySpec } from '../core/job.ts';
import { jobPrivacyCost } from '../core/privacy/job-cost.ts';
import { UsageError } from './errors.ts';
import { numberFlag, positiveInt, withFlagNames } from './privacy-cmd.ts';

/** Options as commander hands them over (strings). */
export interface ClientPrivacyOptions {
  noise?: string;
  noiseMultiplier?: string;
  epsilon?: string;
  rounds?: string;
  survivors?: string;
  parameters?: string;
  delta?: string;
  countNoise?: string;
  json?: boolean;
}

/** What `privacy client` reports. */
export interface ClientPrivacyReport {
  mechanism: 'distributed-discrete-gaussian' | 'central-gaussian';
  noise: 'distributed' | 'central';
  epsilon: number;
  delta: number;
  targetEpsilon?: number;
  noiseMultiplier: number;
  rounds: number;
  survivors: number;
  parameters: number;
  /** Per-participant discrete Gaussian variance in integer units (distributed). */
  sigma2PerClient: number;
  /** Integer units per clip norm S, and the L2 bound B of a rounded update. */
  scale: number;
  normBound: number;
  countNoise?: number;
}

type ClientPrivacy = Extract<PrivacySpec, { mode: 'client' }>;

const FLAGS: Record<string, string> = {
  'privacy.epsilon': '--epsilon', 'privacy.noiseMultiplier': '--noise-multiplier', dimension: '--parameters', rounds: '--rounds', survivors: '--survivors',
};

/** Registers `privacy client` under `privacy`. */
export function registerClientPrivacyCommand(privacy: Command): void {
  privacy
    .command('client')
    .description('client-level DP-FedAvg: ε for a noise multiplier, or the smallest noise multiplier for a target ε')
    .option('--noise <where>', 'distributed (participants, inside the secure sum) or central (trusted coordinator)', 'distributed')
    .option('--noise-multiplier <z>', 'z: the sum\'s noise sd over the clip norm (or give --epsilon)')
    .option('--epsilon <e>', 'target ε for the whole job (or give --noise-multiplier)')
    .option('--rounds <r>', 'federated rounds (required)')
    .option('--survivors <t>', 'distributed: the secure-aggregation threshold t the noise is calibrated for (required)')
    .option('--parameters <d>', 'model parameters (required)')
    .option('--delta <d>', 'δ ∈ (0, 1), e.g. 1e-5 (required)')
    .option('--count-noise <sb>', 'adaptive clipping: noise sd σ_b on the count of unclipped participants')
    .option('--json', 'print one JSON object on stdout', false)
    .action((o: ClientPrivacyOptions) => printReport(clientPrivacyReport(o), o.json === true));
}

/** Computes the report; throws {@link UsageError} naming the flag on bad input or an unreachable target. */
export function clientPrivacyReport(o: ClientPrivacyOptions): ClientPrivacyReport {
  if (o.noise !== 'distributed' && o.noise !== 'central') throw new UsageError(`--noise must be distributed or central, got '${o.noise}'`);
  if ((o.epsilon === undefined) === (o.noiseMultiplier === undefined)) throw new UsageError('give exactly one of --epsilon and --noise-multiplier');
  const rounds = positiveInt('--rounds', o.rounds ?? requiredFlag('--rounds'));
  const parameters = positiveInt('--parameters', o.parameters ?? requiredFlag('--parameters'));
  const survivors = o.noise === 'central' ? 1 : positiveInt('--survivors', o.survivors ?? requiredFlag('--survivors'));
  const delta = numberFlag('--delta', o.delta);
  if (!(delta > 0 && delta < 1)) throw new UsageError(`--delta must be in (0, 1), got ${o.delta}`);
  const countNoise = o.countNoise === undefined ? undefined : numberFlag('--count-noise', o.countNoise);
  if (countNoise !== undefined && !(countNoise > 0)) throw new UsageError(`--count-noise must be > 0, got ${o.countNoise}`);
  const privacy: ClientPrivacy = {
    mode: 'client',
    noise: o.noise,
    delta,
    clipNorm: 1,
    secureNoise: true,
    ...(o.epsilon !== undefined ? { epsilon: numberFlag('--epsilon', o.epsilon) } : { noiseMultiplier: numberFlag('--noise-multiplier', o.noiseMultiplier) }),
    ...(countNoise !== undefined ? { adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoise } } : {}),
  };
  // A job with these settings (its other fields do not enter client-level DP's cost), costed as
  // the participants' ledgers will charge it.
  const job = { ...JobSpecSchema.parse({}), rounds, privacy };
  const cost = withFlagNames(() => jobPrivacyCost(job, { parameters, survivors }), FLAGS);
  if (cost.mode !== 'client') throw new Error('a client-level job must have a client-level cost');
  const { plan } = cost;
  return {
    mechanism: plan.spend.mechanism as ClientPrivacyReport['mechanism'], noise: plan.noise, epsilon: cost.epsilon, delta,
    ...(privacy.epsilon !== undefined ? { targetEpsilon: privacy.epsilon } : {}),
    noiseMultiplier: plan.noiseMultiplier, rounds, survivors, parameters, sigma2PerClient: plan.sigma2PerClient,
    scale: plan.scale, normBound: plan.normBound, ...(countNoise !== undefined ? { countNoise } : {}),
  };
}

function requiredFlag(flag: string): never {
  throw new UsageError(`${flag} is required`);
}

function printReport(r: ClientPrivacyReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const line = (s: string) => process.stdout.write(s + '\n');
  line(`epsilon           ${Number(r.epsilon.toPrecision(6))}${r.targetEpsilon !== undefined ? ` ≤ target ${r.targetEpsilon}` : ''}  at delta ${r.delta}, whole job`);
  line(`noise multiplier  z = ${Number(r.noiseMultiplier.toPrecision(6))}${r.targetEpsilon !== undefined ? '  (smallest z meeting the target)' : ''}`);
  if (r.noise === 'distributed') {
    line(`mechanism         distributed discrete Gaussian inside the secure sum (Kairouz, Liu & Steinke 2021), ${r.rounds} round(s)`);
    line(`                  each participant adds N_Z(0, σ²) with σ² = ${Number(r.sigma2PerClient.toPrecision(6))} per coordinate (integer units: the clip norm is ${r.scale})`);
    line(`                  so the sum of any t = ${r.survivors} survivors carries noise of sd z·B = ${Number((r.noiseMultiplier * r.normBound).toPrecision(6))}`);
  } else {
    line(`mechanism         Gaussian noise added by a TRUSTED coordinator, ${r.rounds} round(s), no sampling`);
  }
  line(`model             ${r.parameters} parameters${r.countNoise !== undefined ? `; adaptive clipping with count noise σ_b = ${r.countNoise}` : ''}`);
}
