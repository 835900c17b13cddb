import { describe, expect, it } from 'vitest';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import { answerTask, taskBinding } from './task-answer.ts';

const task = (over: Partial<Task__Output>): Task__Output => ({ taskId: 't1', jobId: 'job-1', round: 3, kind: 'TRAIN', configJson: '{}', deadlineUnixMs: 0, ...over }) as Task__Output;
const never = async () => {
  throw new Error('the handler must not run');
};

describe('answering a task', () => {
  it('refuses a vertical step at a node without a vertical party, naming why', async () => {
    const a = await answerTask(task({ kind: 'VERTICAL' }), { name: 'bank', handler: never });
    expect(a.fields.refusal?.code).toBe('invalid_task');
    expect(a.fields.refusal?.reason).toMatch(/does not take part in vertical jobs/);
    expect(a.fields.contribution).toBeUndefined();
  });

  it('answers a task it cannot decode with a refusal that carries the decoding error, without running the handler', async () => {
    const a = await answerTask(task({ configJson: 'not json' }), { name: 'bank', handler: never });
    expect(a.fields.refusal?.code).toBe('invalid_task');
    expect(a.summary).toMatch(/^invalid task: /);
  });

  it('binds a secure-sum step to its job, round, stage and run, and survives an unreadable config', () => {
    const secagg = { message: 'mask-input', configJson: JSON.stringify({ run: 'run-7' }) };
    expect(taskBinding(task({ secagg } as Partial<Task__Output>))).toEqual({ jobId: 'job-1', round: 3, stage: 'train/mask-input', run: 'run-7' });
    expect(taskBinding(task({ secagg: { ...secagg, configJson: '{' } } as Partial<Task__Output>)).run).toBe('');
    expect(taskBinding(task({ kind: 'EVALUATE' }))).toEqual({ jobId: 'job-1', round: 3, stage: 'evaluate', run: '' });
  });
});
