/**
 * ConsistencyCheck of Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning" (§4, Fig. 5, round 4): after MaskedInputCollection the
 * server tells the survivors U3; each signs U3 with its Ed25519 identity key; before revealing any
 * share in Unmasking, a client requires at least t signatures over the same U3 from distinct
 * members of U3, each verifying under its LOCAL roster. With t above half the share holders, a
 * server that shows different survivor sets to different clients (to collect a peer's self-mask
 * share from some and its key share from others) cannot gather t signatures for both views, since
 * an honest client signs one U3 only.
 *
 * The signed message is domain-separated and bound to the run and round (advert.ts encoding):
 * (label "fedcredit/secagg/consistency/v1", run, round, |U3|, U3 sorted).
 */
import { firstDuplicate, sortedUnique } from './config.ts';
import { signedBytes, verify } from './advert.ts';
import type { SecAggConfig } from './config-types.ts';
import type { SignatureOf } from './messages.ts';

/** Label of a consistency signature. */
export const CONSISTENCY_LABEL = 'fedcredit/secagg/consistency/v1';

/** The message each member of U3 signs: the label, run, round and the sorted survivor set. */
export function consistencyBytes(config: Pick<SecAggConfig, 'run' | 'round'>, survivors: readonly string[]): Uint8Array {
  const sorted = sortedUnique(survivors);
  return signedBytes([CONSISTENCY_LABEL, config.run, config.round, sorted.length, ...sorted]);
}

/**
 * Why the server's consistency signatures do not prove that ≥ t members of `survivors` (U3)
 * signed that same U3, or undefined: ids repeated or outside U3, fewer than t of them, or one of
 * the first t whose signer is not in the local roster `peers` or whose signature does not verify
 * (names the signer). The first t valid signatures are the proof; checking the rest would make
 * every member verify |U3| signatures, n² in all, and prove nothing more. The server (which has the
 * roster) sends only signatures it verified, and the signers are the members asked to unmask.
 */
export function signaturesProblem(
  config: SecAggConfig,
  peers: ReadonlyMap<string, Uint8Array>,
  survivors: readonly string[],
  signatures: readonly SignatureOf[],
): string | undefined {
  const ids = signatures.map((s) => s.id);
  const dup = firstDuplicate(ids);
  if (dup !== undefined) return `${dup} appears twice among the consistency signatures`;
  const u3 = new Set(survivors);
  const outsider = ids.find((v) => !u3.has(v));
  if (outsider !== undefined) return `a consistency signature comes from ${outsider}, who is not in U3`;
  if (ids.length < config.threshold) {
    return `only ${ids.length} of the required ${config.threshold} consistency signatures over U3; refusing to unmask`;
  }
  const message = consistencyBytes(config, survivors);
  for (const s of signatures.slice(0, config.threshold)) {
    const pk = peers.get(s.id);
    if (!pk) return `the consistency signature of ${s.id} cannot be checked: ${s.id} is not in this node's roster`;
    if (!verify(pk, message, s.signature)) {
      return `the consistency signature of ${s.id} does not verify over the U3 this node signed (split view or forgery); refusing to unmask`;
    }
  }
  return undefined;
}
