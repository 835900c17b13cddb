import { describe, expect, it } from 'vitest';
import { IdleWork } from './idle-work.ts';

/** Resolves once the queue has no job left. */
async function drained(work: IdleWork): Promise<void> {
  while (work.pending > 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('IdleWork', () => {
  it('runs jobs piece by piece, in turn, never within add', async () => {
    const work = new IdleWork(1000);
    const log: string[] = [];
    const job = (name: string, pieces: number) => {
      let left = pieces;
      return () => {
        log.push(name);
        return --left === 0;
      };
    };
    work.add(job('a', 3));
    work.add(job('b', 1));
    work.add(job('c', 2));
    expect(log).toEqual([]);
    await drained(work);
    expect(log).toEqual(['a', 'b', 'c', 'a', 'c', 'a']);
  });

  it('gives the event loop a turn after each slice', async () => {
    let clock = 0;
    // Each reading of the clock advances it by 1 ms: a 2 ms slice runs two pieces.
    const work = new IdleWork(2, () => clock++);
    const log: string[] = [];
    let left = 6;
    work.add(() => {
      log.push('piece');
      return --left === 0;
    });
    const other = (async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        log.push('other');
      }
    })();
    await drained(work);
    await other;
    // No more than two pieces run back to back while other work is waiting for its turn.
    expect(log.join(' ')).not.toMatch(/(piece ){2}piece/);
    expect(log.filter((x) => x === 'piece')).toHaveLength(6);
  });

  it('drops a job that throws and goes on with the others', async () => {
    const work = new IdleWork(1000);
    let ran = 0;
    work.add(() => {
      throw new Error('broken');
    });
    work.add(() => ++ran === 2);
    await drained(work);
    expect(ran).toBe(2);
    expect(work.pending).toBe(0);
  });
});
