/**
 * A training task that also evaluates its weights (`config.evaluates`, core/round/carried-evaluation.ts):
 * the weights a round trains from are the previous round's model, so the member scores them on
 * its held-out rows first — as the evaluate task of that round, through the same handlers (DP
 * noise, ledger charge and receipt, the node's local metrics) — then trains, and answers with
 * both contributions as one. The evaluation's vectors are renamed ("evaluation.hist", …); both
 * receipts travel together. The reply is noised only when both parts are.
 *
 * The task must name the round just before its own: the member evaluates the model it is about
 * to train from, never a model it is told belongs to some other round.
 */
import { joinCarried, joinCarriedReceipts } from '../core/round/carried-evaluation.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { HandlerResult, Mod, ParsedTask } from './handler.ts';

const refuse = (reason: string): HandlerResult => ({ refusal: { code: 'bad_task', reason } });

/** The mod; tasks without `config.evaluates` pass through unchanged. */
export const carriedEvaluationMod: Mod = (next) => async (task) => {
  const { evaluates, ...config } = task.config;
  if (evaluates === undefined) return next(task);
  if (task.kind !== 'train') return refuse(`a ${task.kind} task cannot carry an evaluation; only a train task does`);
  if (evaluates !== task.round - 1) {
    return refuse(`the train task of round ${task.round} asks to evaluate round ${evaluates}, but its weights are round ${task.round - 1}'s model`);
  }
  const own: TaskConfig = config;
  const { fit: _fit, ...evalConfig } = own;
  const evaluation: ParsedTask = { ...task, kind: 'evaluate', round: evaluates, config: evalConfig };
  const ev = await next(evaluation);
  if ('refusal' in ev) return { refusal: { code: ev.refusal.code, reason: `evaluation of round ${evaluates}'s model: ${ev.refusal.reason}` } };
  if (!('contribution' in ev)) return refuse(`the evaluation of round ${evaluates} did not produce vectors`);
  const tr = await next({ ...task, config: own });
  if (!('contribution' in tr)) return tr;
  const receipt = ev.receipt !== undefined ? joinCarriedReceipts(ev.receipt, tr.receipt) : tr.receipt;
  return {
    contribution: joinCarried(tr.contribution, ev.contribution),
    ...(receipt !== undefined ? { receipt } : {}),
    ...(ev.noised === true && tr.noised === true ? { noised: true } : {}),
  };
};
