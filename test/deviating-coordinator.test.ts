/**
 * A coordinator that deviates from the protocol tries to single out one institution, and each
 * participant stops it on its own. The participants are the real handler chain a node runs (its
 * data and local handler, the secure-aggregation mod with its floor and its release history in a
 * state dir on disk); the coordinator is this test, driving the real secure-sum server over an
 * in-memory grid with member sets it chooses:
 *
 * - a sum over one member, and over two (its "sum" would be their inputs);
 * - the same stage twice, over sets that differ by one member (the difference would be that
 *   member's input), also with a policy asking for two other participants, and after the
 *   participants restart (their history is read back from disk);
 * - an identical job resubmitted under another id over a smaller set;
 * - a sum that was unmasked without one member (its masked input discarded), then rerun with it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { statsShape } from '../core/data/preprocess.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import type { Grid, StageTask } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import type { SumResult } from '../core/round/sum-protocol.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod } from '../participant/handler.ts';
import type { TaskHandler } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ReleaseLog } from '../participant/releases/log.ts';
import type { FloorSettings } from '../participant/releases/floor.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { SYNTHETIC_SCHEMA, syntheticParties, tempDir } from './helpers.ts';
import { memoryGrid } from '../sim/memory-grid.ts';

const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
const tmp = tempDir('deviating');
const parties = syntheticParties(tmp.dir, 0.1, 21);
const tables = new Map(parties.map((p) => [p.name, loadTable(p.path, schema).table]));
const ALL = parties.map((p) => p.name).sort(); // bank-a, bank-b, customs, platform
afterAll(() => tmp.cleanup());

let dirs = 0;
/** Fresh state dirs for one scenario; `restart()` rebuilds every node from the same dirs. */
function consortium(floor?: FloorSettings) {
  const base = path.join(tmp.dir, `nodes-${++dirs}`);
  const build = () =>
    new Map<string, TaskHandler>(
      ALL.map((name) => [
        name,
        chain(localHandler(name, tables.get(name)!), [
          errorToRefusalMod,
          secAggMod({ name, releases: ReleaseLog.open(path.join(base, name)), ...(floor ? { floor } : {}) }),
        ]),
      ]),
    );
  const handlers = build();
  return { handlers, restart: () => build().forEach((h, name) => handlers.set(name, h)) };
}

const job: JobSpec = JobSpecSchema.parse({ minParticipants: 2, seed: 4, evaluation: { holdout: 0.25 } });
const statsTask = (jobId: string): StageTask => ({ kind: 'stats', round: 0, config: { jobId, job, schema } satisfies TaskConfig });

/** One secure sum of the stats stage of `jobId` over `members`, as the deviating coordinator chooses them. */
function sumOver(handlers: Map<string, TaskHandler>, members: string[], jobId = 'job-1', incarnation = 'a', grid: Grid = memoryGrid(handlers)): Promise<SumResult> {
  return secureSum(jobId, job, incarnation).run(grid, members, statsTask(jobId), statsShape(schema), 5000);
}

const reasons = (r: SumResult) => r.failures.map((f) => `${f.participant}: ${f.reason}`);

describe('a coordinator that deviates cannot single out one institution', () => {
  it('every member refuses a sum over one or two members, naming its floor', async () => {
    const { handlers } = consortium();
    const one = await sumOver(handlers, ['customs']);
    expect(one.sum).toBeNull();
    expect(reasons(one)).toEqual([
      'customs: refused: refusing a secure sum over 1 participant(s) [customs]: this node\'s floor is 3 contributors (itself included) and t ≥ 2, so no institution\'s input can be singled out [secagg_refused]',
    ]);
    const two = await sumOver(handlers, ['bank-a', 'customs'], 'job-1', 'b');
    expect(two.sum).toBeNull();
    expect(reasons(two)).toHaveLength(2);
    for (const r of reasons(two)) expect(r).toMatch(/refusing a secure sum over 2 participant\(s\) \[bank-a, customs\]: this node's floor is 3 contributors/);
  });

  it('refuses a second sum of the same stage over a set that differs by one member, also after the nodes restart', async () => {
    const { handlers, restart } = consortium();
    const first = await sumOver(handlers, ALL);
    expect(first.error).toBeUndefined();
    expect(first.contributors).toEqual(ALL);
    const without = ALL.filter((n) => n !== 'customs');
    for (const attempt of ['before', 'after']) {
      if (attempt === 'after') restart();
      const second = await sumOver(handlers, without, 'job-1', attempt === 'before' ? 'b' : 'c');
      expect(second.sum, attempt).toBeNull();
      expect(second.failures.map((f) => f.participant).sort()).toEqual(without);
      for (const r of reasons(second)) {
        expect(r).toMatch(/refusing: this node already released its stats input of job job-1, round 0 in a secure sum over \[bank-a, bank-b, customs, platform\]/);
        expect(r).toMatch(/learn customs's input alone/);
      }
    }
    // The honest rerun of a crashed coordinator, over the identical set, still works after the restart.
    const rerun = await sumOver(handlers, ALL, 'job-1', 'd');
    expect(rerun.error).toBeUndefined();
    expect(Array.from(rerun.sum!.label!)).toEqual(Array.from(first.sum!.label!));
  });

  it('with a policy requiring two other participants: {a, b, c, d} then {a, b, c} is refused too', async () => {
    const { handlers } = consortium({ minOtherParticipants: 2 });
    expect((await sumOver(handlers, ALL)).error).toBeUndefined();
    const three = ALL.filter((n) => n !== 'platform');
    const second = await sumOver(handlers, three, 'job-1', 'b');
    expect(second.sum).toBeNull();
    // With t ≥ 3 demanded too, the three-member sum (t = 2) is refused before any history is consulted.
    for (const r of reasons(second)) expect(r).toMatch(/^[a-z-]+: refused: refusing a secure sum with threshold t = 2: this node's floor is 3 contributors .* and t ≥ 3/);
  });

  it('refuses the identical input resubmitted as another job over a smaller set', async () => {
    const { handlers } = consortium();
    expect((await sumOver(handlers, ALL, 'job-1')).error).toBeUndefined();
    const without = ALL.filter((n) => n !== 'bank-b');
    const copy = await sumOver(handlers, without, 'job-2');
    expect(copy.sum).toBeNull();
    for (const r of reasons(copy)) expect(r).toMatch(/already released exactly the same input \(identical vectors\) in stats of job job-1, round 0 .* learn bank-b's input alone/);
  });

  it('refuses to unmask over a survivor set other than the one it released before', async () => {
    const { handlers } = consortium();
    // The coordinator unmasks the first attempt over three of the four: it discards customs' masked
    // input and claims customs dropped...
    const grid = memoryGrid(handlers);
    const claimDropped: Grid = {
      ...grid,
      run: async (p, t, ms) => {
        const out = await grid.run(p, t, ms);
        const r = out.replies.get('customs');
        if (r && 'secagg' in r && r.secagg.type === 'masked-input') out.replies.delete('customs');
        return out;
      },
    };
    const first = await sumOver(handlers, ALL, 'job-1', 'a', claimDropped);
    expect(first.error).toBeUndefined();
    expect(first.contributors).toEqual(ALL.filter((v) => v !== 'customs'));
    // ... then runs it again over all four: the three refuse to unmask (their release was over three).
    const second = await sumOver(handlers, ALL, 'job-1', 'b');
    expect(second.sum).toBeNull();
    expect(second.error).toMatch(/nothing was unmasked/);
    const refused = second.failures.filter((f) => /refusing: this node already released/.test(f.reason)).map((f) => f.participant).sort();
    expect(refused).toEqual(ALL.filter((v) => v !== 'customs'));
  });
});
