/**
 * Wire form of carried key-setup steps (Task.ahead) and of their answers (PushResultRequest.ahead):
 * the key adverts, graph nonces and shares of later rounds' secure sums that ride along with a
 * step of the current one. Each carried step is an ordinary SecAggStep and each answer an
 * ordinary SecAggReply, validated as such; only key-setup messages may be carried.
 */
import { KEY_SETUP_REPLIES, KEY_SETUP_STEPS } from '../core/round/secure-messages.ts';
import type { AheadAnswer, SecAggTask } from '../core/round/secure-messages.ts';
import type { AheadReply, AheadReply__Output } from './generated/fedcredit/v1/AheadReply.ts';
import type { SecAggStep__Output } from './generated/fedcredit/v1/SecAggStep.ts';
import { secaggReplyFromWire, secaggReplyToWire, secaggStepFromWire } from './secagg-wire.ts';
import { WireFormatError } from './tensor.ts';
import { MAX_ID_CHARS, headOf, wellFormed } from './limits.ts';

/**
 * Most carried sums in one task or reply: the job setting keysAhead is at most 8 training sums,
 * and a training sum may also set up its own round's evaluation.
 */
export const MAX_AHEAD = 9;
const MAX_REFUSAL_CHARS = 2000;

/** Decodes a task's carried steps for participant `self`; throws WireFormatError naming the first bad one. */
export function aheadStepsFromWire(steps: SecAggStep__Output[], self: string): SecAggTask[] {
  if (steps.length > MAX_AHEAD) throw new WireFormatError(`a task carries ${steps.length} key-setup steps of later sums; at most ${MAX_AHEAD} are allowed`);
  return steps.map((s, i) => {
    if (!KEY_SETUP_STEPS.has(s.message)) throw new WireFormatError(`ahead[${i}]: a "${s.message}" step cannot be carried; only key-setup steps (begin, peer-keys, peer-commits, graph-reveals) can`);
    return secaggStepFromWire(s, self);
  });
}

/** The wire form of a participant's answers to carried steps. */
export function aheadAnswersToWire(answers: AheadAnswer[]): AheadReply[] {
  return answers.map((a) => ('secagg' in a ? { run: a.run, secagg: secaggReplyToWire(a.secagg) } : { run: a.run, refusal: a.refusal }));
}

/** Decodes participant `from`'s answers to carried steps; throws WireFormatError naming the first bad one. */
export function aheadAnswersFromWire(replies: AheadReply__Output[], from: string): AheadAnswer[] {
  if (replies.length > MAX_AHEAD) throw new WireFormatError(`a reply answers ${replies.length} carried key-setup steps; at most ${MAX_AHEAD} are allowed`);
  return replies.map((r, i) => {
    if (!r.run || r.run.length > MAX_ID_CHARS) throw new WireFormatError(`ahead[${i}].run must be 1–${MAX_ID_CHARS} characters`);
    if (r.secagg && r.refusal) throw new WireFormatError(`ahead[${i}] holds both a secure-aggregation reply and a refusal`);
    if (r.secagg) {
      if (!KEY_SETUP_REPLIES.has(r.secagg.message)) throw new WireFormatError(`ahead[${i}]: a "${r.secagg.message}" reply cannot answer a carried step; only key-setup replies can`);
      return { run: r.run, secagg: secaggReplyFromWire(r.secagg, from, 0) };
    }
    if (r.refusal) return { run: r.run, refusal: wellFormed(headOf(r.refusal, MAX_REFUSAL_CHARS)) };
    throw new WireFormatError(`ahead[${i}] holds neither a secure-aggregation reply nor a refusal`);
  });
}
