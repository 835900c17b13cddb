/**
 * The steps of a vertical job as the coordinator hands them to parties, and the parties'
 * replies. Party-to-party data travels in sealed envelopes the coordinator relays but cannot
 * open; the coordinator adds only the correlated randomness it deals (`dealt`) and routing.
 *
 *   keys         every party: a fresh X25519 public key for the job, its row and column counts
 *   psi-blind    label holder: a·H(x) for its IDs, sealed to each feature party
 *   psi-answer   feature party: b·a·H(x) and its own b·H(y), shuffled, sealed to the label holder
 *   psi-match    label holder: the matches and the row plan's seed, sealed to each feature party
 *   psi-align    feature party: builds its aligned, standardized columns
 *   train-a      every party, step t: finishes step t − 1 (its gradient, its weight update) and
 *                sends its padded columns and masked partial scores for step t
 *   train-b      the two computing parties, step t: answer with their padded residual shares
 *   evaluate     feature parties: masked partial scores of the held-out rows for the label holder
 *   score        label holder: the joint model's held-out metrics, and its own-columns baseline
 *   score-part   feature party, after training: its masked parts of new applicants' scores
 */
import { z } from 'zod';
import { VerticalJobSpecSchema } from './spec.ts';

export const VERTICAL_STEPS = ['keys', 'psi-blind', 'psi-answer', 'psi-match', 'psi-align', 'train-a', 'train-b', 'evaluate', 'score', 'score-part'] as const;
export type VerticalStepName = (typeof VERTICAL_STEPS)[number];

/** A sealed message between parties: `peer` is the sender in a task, the recipient in a reply. */
export interface Envelope {
  peer: string;
  data: Uint8Array;
}

/** The public part of a step (JSON in the task's config). */
export const VerticalStepConfigSchema = z
  .object({
    jobId: z.string().min(1).max(200),
    step: z.enum(VERTICAL_STEPS),
    /** Training step t (train-a, train-b); train-a with t = steps only finishes the last step. */
    t: z.number().int().min(0).default(0),
    job: VerticalJobSpecSchema,
    /** score-part: the label holder's request id (masks and envelopes are bound to it). */
    request: z.string().regex(/^[\w.-]{1,64}$/).optional(),
    /** Every party's public key for the job, with its signature when signed (key-advert.ts), from the keys step on. */
    peers: z.record(z.string(), z.string().max(160)).default({}),
  })
  .strict();
export type VerticalStepConfig = z.infer<typeof VerticalStepConfigSchema>;

/** One step for one party. */
export interface VerticalTask {
  config: VerticalStepConfig;
  envelopes: Envelope[];
  /** The dealer's correlated randomness for this party (packed arrays), in clear to it. */
  dealt?: Uint8Array;
}

/** Numbers a party makes public to the coordinator (counts, and the label holder's metrics). */
export type PublicInfo = Record<string, number>;

/** A party's answer to a step. */
export interface VerticalReply {
  envelopes: Envelope[];
  publicKey?: Uint8Array;
  /** The party's Ed25519 signature of its public key for the job (key-advert.ts), when it has an identity. */
  keySignature?: Uint8Array;
  info?: PublicInfo;
}

/** What a party runs: one step in, one reply out. */
export type VerticalHandler = (task: VerticalTask) => Promise<VerticalReply>;
