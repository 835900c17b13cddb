import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import { carriedEvaluationMod } from './carried-evaluation-mod.ts';
import type { HandlerResult, ParsedTask } from './handler.ts';

const job = JobSpecSchema.parse({ name: 'carry', rounds: 3, model: { type: 'logistic' }, evaluation: { bins: 10, carried: true } });
const config = (evaluates?: number): TaskConfig => ({
  jobId: 'job-1', job, schema: { label: 'default', numeric: [], categorical: [] } as unknown as TaskConfig['schema'],
  fit: { train: job.train, mu: 0, classWeights: { positive: 1, negative: 1 }, seed: 1 },
  ...(evaluates !== undefined ? { evaluates } : {}),
});
const task = (kind: ParsedTask['kind'], round: number, evaluates?: number): ParsedTask => ({ taskId: 't', jobId: 'job-1', round, kind, config: config(evaluates), weights: Float32Array.of(1, 2), deadline: 0 });

/** An inner handler that records what it was asked and answers per kind. */
function inner(seen: string[], answers: Partial<Record<string, HandlerResult>> = {}) {
  return async (t: ParsedTask): Promise<HandlerResult> => {
    seen.push(`${t.kind}/${t.round}${t.config.fit ? ' fit' : ''}${t.config.evaluates !== undefined ? ' evaluates' : ''}`);
    return (
      answers[t.kind] ??
      (t.kind === 'evaluate'
        ? { contribution: { hist: Float64Array.of(1, 2), loss: Float64Array.of(3) }, receipt: '{"e":1}', noised: true }
        : { contribution: { update: Float64Array.of(4), weight: Float64Array.of(5), loss: Float64Array.of(6) }, receipt: '{"t":1}', noised: true })
    );
  };
}

describe('a train task that carries the evaluation of its weights', () => {
  it('evaluates the weights as the previous round, then trains, and answers with both', async () => {
    const seen: string[] = [];
    const r = await carriedEvaluationMod(inner(seen))(task('train', 2, 1));
    expect(seen).toEqual(['evaluate/1', 'train/2 fit']);
    if (!('contribution' in r)) throw new Error('vectors expected');
    expect(Object.keys(r.contribution).sort()).toEqual(['evaluation.hist', 'evaluation.loss', 'loss', 'update', 'weight']);
    expect(Array.from(r.contribution['evaluation.loss']!)).toEqual([3]);
    expect(Array.from(r.contribution.loss!)).toEqual([6]);
    expect(JSON.parse(r.receipt!)).toEqual({ evaluationReceipt: '{"e":1}', trainReceipt: '{"t":1}' });
    expect(r.noised).toBe(true);
  });

  it('passes other tasks through unchanged', async () => {
    const seen: string[] = [];
    await carriedEvaluationMod(inner(seen))(task('train', 2));
    await carriedEvaluationMod(inner(seen))(task('evaluate', 3));
    expect(seen).toEqual(['train/2 fit', 'evaluate/3 fit']);
  });

  it('an exact part makes the whole reply exact', async () => {
    const exactEval = { contribution: { hist: Float64Array.of(1) } };
    const r = await carriedEvaluationMod(inner([], { evaluate: exactEval }))(task('train', 2, 1));
    expect('contribution' in r && r.noised).toBeFalsy();
    if ('contribution' in r) expect(r.receipt).toBe('{"t":1}');
  });

  it('refuses to evaluate any round but the one its weights are, or to carry an evaluation in another kind of task', async () => {
    const seen: string[] = [];
    const wrong = await carriedEvaluationMod(inner(seen))(task('train', 3, 1));
    expect(wrong).toEqual({ refusal: { code: 'bad_task', reason: "the train task of round 3 asks to evaluate round 1, but its weights are round 2's model" } });
    const stats = await carriedEvaluationMod(inner(seen))(task('stats', 0, 0));
    expect('refusal' in stats && stats.refusal.reason).toBe('a stats task cannot carry an evaluation; only a train task does');
    expect(seen).toEqual([]);
  });

  it('answers with the evaluation\'s refusal, saying which part refused, and does not train', async () => {
    const seen: string[] = [];
    const r = await carriedEvaluationMod(inner(seen, { evaluate: { refusal: { code: 'privacy_budget', reason: 'over budget' } } }))(task('train', 2, 1));
    expect(r).toEqual({ refusal: { code: 'privacy_budget', reason: "evaluation of round 1's model: over budget" } });
    expect(seen).toEqual(['evaluate/1']);
  });
});
