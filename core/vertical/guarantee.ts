/**
 * The plain-words statement of what a vertical job reveals to whom and under which trust
 * assumption, printed with the job's status. Every sentence describes what the code does
 * (participant/vertical/*, core/vertical/run-job.ts); nothing here is aspirational.
 */
import { labelPrivacy } from './label-privacy.ts';
import { computingParties, type VerticalJobSpec } from './spec.ts';

/** The guarantee text of a vertical job. */
export function verticalGuaranteeText(job: Pick<VerticalJobSpec, 'labelHolder' | 'featureParties' | 'train' | 'privacy'>): string {
  const lp = labelPrivacy(job);
  const [L, H] = computingParties(job);
  const others = job.featureParties.length;
  const B = job.train.batchSize;
  return [
    `Vertical job: every party's columns and ${L}'s labels stay with their owner.`,
    `Scores and residuals of training rows exist only as two additive shares over Z_2^64, one held by ${L} (the label holder) and one by ${H}; each share alone is uniformly random.`,
    `Every party learns its own weights and its own gradient summed over each batch of ${B} rows (one number per column per step), which depends on the labels only through that sum.`,
    ...(lp
      ? [
          `Label privacy: each feature party clips every row of its gradient matrix to ${lp.clipNorm} and ${L} adds exact discrete Gaussian noise (standard deviation ${lp.noiseMultiplier} × ${lp.clipNorm}) to every gradient a feature party receives, so what a feature party learns about any one label is (ε = ${lp.epsilon.toFixed(2)}, δ = ${lp.delta})-differentially private over the ${lp.releases} epochs, provided it clips as the protocol says; the metrics ${L} reports and the final scores it learns are not covered.`,
        ]
      : []),
    `${L} learns which of its IDs each feature party has, the final score of every held-out row and the job's metrics;` +
      (others === 1
        ? ` with a single feature party, a final score minus ${L}'s own part is ${H}'s partial score of that row.`
        : ` it learns the feature parties' partial scores of a held-out row only as their sum.`),
    'Each feature party learns which of its IDs the label holder has and how many rows the label holder has.',
    'The coordinator relays party-to-party messages sealed with XSalsa20-Poly1305 under X25519 keys the parties draw for the job, deals the correlated randomness of every product, and sees counts, message sizes, timing and the metrics the label holder reports.',
    'Parties that hold the consortium roster sign their job keys with their identity keys and refuse any peer key the roster does not vouch for, so the coordinator cannot substitute keys to read what it relays; parties without a roster (test networks) do not check, and a coordinator that substitutes keys for them can.',
    'Trust assumption: semi-honest parties, and a coordinator that deals correct randomness and colludes with no party: a coordinator that colludes with a party can remove the padding of what that party receives, and one that deals wrong randomness can corrupt the model. Vertical jobs are therefore not protected against a deviating coordinator the way horizontal secure aggregation is.',
  ].join(' ');
}
