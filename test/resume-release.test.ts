/**
 * An honest coordinator that crashed while a stage was being unmasked still finishes the job,
 * although participants release an exact input only once: it wrote the survivor set down before
 * asking anyone to unmask, and its rerun of that stage is over exactly that set. If a member of
 * the set is gone for good the job fails with the reason; and a coordinator that "forgot" the set
 * and reruns over fewer members is refused by the participants themselves.
 *
 * In process: the real round engine and secure sum over an in-memory grid, with the real
 * participant handler chain and release histories on disk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import { JobFailedError, runJob } from '../core/round/engine.ts';
import type { JobStorePort, ResumePoint, RoundRecord } from '../core/round/engine.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import type { StrategyState } from '../core/strategy/strategy.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod } from '../participant/handler.ts';
import type { TaskHandler } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ReleaseLog } from '../participant/releases/log.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { SYNTHETIC_SCHEMA, syntheticParties, tempDir } from './helpers.ts';
import { memoryGrid } from '../sim/memory-grid.ts';
import type { StageTask } from '../core/round/grid.ts';

const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
const tmp = tempDir('resume-release');
const parties = syntheticParties(tmp.dir, 0.1, 33);
afterAll(() => tmp.cleanup());
// Each round's evaluation as a stage of its own (the carried case is one test below): a stage rerun after a restart is one sum.
const job = JobSpecSchema.parse({ rounds: 3, minParticipants: 3, seed: 8, evaluation: { bins: 50, carried: false }, deadlines: { waitForParticipantsMs: 50 } });
const ALL = parties.map((p) => p.name).sort();

class Crash extends Error {}

/** What the coordinator stored, in memory; `crashAfter` makes it stop right after writing that release. */
function memoryStore(crashAt?: string) {
  let crashAfter = crashAt;
  const s = {
    preprocessing: undefined as PreprocessingParams | undefined,
    rounds: [] as RoundRecord[],
    state: undefined as StrategyState | undefined,
    releases: {} as Record<string, string[]>,
  };
  const port: JobStorePort = {
    savePreprocessing: async (p) => void (s.preprocessing = p),
    saveRound: async (r, state) => {
      s.rounds.push(r);
      s.state = state;
    },
    saveRelease: async (kind, round, survivors) => {
      s.releases[`${kind}/${round}`] = [...survivors].sort();
      if (`${kind}/${round}` === crashAfter) {
        crashAfter = undefined;
        throw new Crash(`coordinator killed while unmasking ${kind} of round ${round}`);
      }
    },
  };
  const resume = (withReleases = true): ResumePoint => ({
    preprocessing: s.preprocessing, rounds: [...s.rounds], state: s.state, ...(withReleases ? { releases: { ...s.releases } } : {}),
  });
  return { s, port, resume };
}

function nodes(dir: string): Map<string, TaskHandler> {
  return new Map(
    parties.map((p) => [
      p.name,
      chain(localHandler(p.name, loadTable(p.path, schema).table), [errorToRefusalMod, secAggMod({ name: p.name, releases: ReleaseLog.open(path.join(dir, p.name)) })]),
    ]),
  );
}

const deps = (handlers: Map<string, TaskHandler>, store: JobStorePort, incarnation: string, spec = job, seen: StageTask[] = []) => ({
  grid: memoryGrid(handlers, {}, seen), sum: secureSum('job-r', spec, incarnation), store, now: () => 0, emit: () => undefined,
});

describe('rerunning a stage that was being unmasked when the coordinator stopped', () => {
  it('finishes over the identical survivor set, and fails with the reason when a member of it is gone', async () => {
    const handlers = nodes(path.join(tmp.dir, 'a'));
    const store = memoryStore('train/2');
    await expect(runJob('job-r', job, schema, deps(handlers, store.port, 'one'))).rejects.toBeInstanceOf(Crash);
    expect(store.s.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(store.s.releases['train/2']).toEqual(ALL);

    // Restarted without customs: the stage may only be released over the set it was unmasked over.
    const gone = new Map([...handlers].filter(([n]) => n !== 'customs'));
    const failed = await runJob('job-r', job, schema, deps(gone, store.port, 'two'), store.resume()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JobFailedError);
    expect((failed as Error).message).toBe(
      `round 2 train: this stage was being unmasked over [${ALL.join(', ')}] when the coordinator stopped; its inputs carry no DP noise, so participants ` +
        'release them again only over exactly that set (no institution can be singled out by differencing), but customs is not connected after waiting 50 ms',
    );

    // With every member back, the job completes from round 2.
    const done = await runJob('job-r', job, schema, deps(handlers, store.port, 'three'), store.resume());
    expect(done.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(done.rounds[3]!.participants).toEqual(ALL);
  });

  it('a coordinator that reruns the stage over fewer members is refused by the participants themselves', async () => {
    const handlers = nodes(path.join(tmp.dir, 'b'));
    const store = memoryStore('evaluate/1');
    await expect(runJob('job-r', job, schema, deps(handlers, store.port, 'one'))).rejects.toBeInstanceOf(Crash);
    const gone = new Map([...handlers].filter(([n]) => n !== 'bank-b'));
    // It also lost round 1's record: it reruns round 1, whose train inputs were released over all four.
    const failed = await runJob('job-r', job, schema, deps(gone, store.port, 'two'), { ...store.resume(false), rounds: store.s.rounds.slice(0, 1) }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JobFailedError);
    expect((failed as Error).message).toMatch(/^round 1 train: secure aggregation aborted, nothing was unmasked/);
    const refusals = (failed as JobFailedError).failures.filter((f) => /this node already released its train input of job job-r, round 1/.test(f.reason));
    expect(refusals.map((f) => f.participant).sort()).toEqual(ALL.filter((n) => n !== 'bank-b'));
    expect(refusals[0]!.reason).toMatch(/learn bank-b's input alone/);
  });
  it('with evaluations carried by the next training stage: a rerun repeats the stored round\'s successor with the same carried input', async () => {
    const carried = JobSpecSchema.parse({ ...job, evaluation: { ...job.evaluation, carried: true } });
    const handlers = nodes(path.join(tmp.dir, 'c'));
    const store = memoryStore('train/2');
    await expect(runJob('job-r', carried, schema, deps(handlers, store.port, 'one', carried))).rejects.toBeInstanceOf(Crash);
    // Round 1's record waited for its evaluation, which round 2's training was carrying: only round 0 is stored.
    expect(store.s.rounds.map((r) => r.round)).toEqual([0]);
    expect(Object.keys(store.s.releases).sort()).toEqual(['stats/0', 'train/1', 'train/2']);

    // Round 1 is rerun from round 0's model: its input (training and round 0's evaluation) again, over exactly the same set.
    const gone = new Map([...handlers].filter(([n]) => n !== 'customs'));
    const failed = await runJob('job-r', carried, schema, deps(gone, store.port, 'two', carried), store.resume()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JobFailedError);
    expect((failed as Error).message).toMatch(/^round 1 train: this stage was being unmasked over \[bank-a, bank-b, customs, platform\] when the coordinator stopped/);

    const done = await runJob('job-r', carried, schema, deps(handlers, store.port, 'three', carried), store.resume());
    expect(done.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(store.s.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    for (const r of done.rounds) expect(Number.isFinite(r.metrics.auc), `round ${r.round}`).toBe(true);
  });

  it('with keys set up ahead: the restarted coordinator reruns the stage and sets up the rest afresh', async () => {
    const ahead = JobSpecSchema.parse({ ...job, secureAggregation: { keysAhead: 2 } });
    const handlers = nodes(path.join(tmp.dir, 'd'));
    const store = memoryStore('train/2');
    // Round 2's sum, set up during round 1's, is about to be unmasked when the coordinator stops.
    const seen: StageTask[] = [];
    await expect(runJob('job-r', ahead, schema, deps(handlers, store.port, 'one', ahead, seen))).rejects.toBeInstanceOf(Crash);
    const firstOfRound2 = seen.find((t) => t.kind === 'train' && t.round === 2)!;
    expect(firstOfRound2.secagg!.message.type).toBe('share-delivery');
    // Rounds 0 and 1 were set up by the statistics sum (round 0).
    expect(store.s.rounds.map((r) => [r.round, r.secure?.keysSetUpIn])).toEqual([[0, 0], [1, 0]]);
    expect(store.s.releases['train/2']).toEqual(ALL);

    // The new coordinator holds none of the keys set up before: it reruns round 2 over exactly the
    // stored set and sets up round 3 afresh; the nodes' carried sessions of before are never used.
    const done = await runJob('job-r', ahead, schema, deps(handlers, store.port, 'two', ahead), store.resume());
    expect(done.rounds.map((r) => [r.round, r.secure?.keysSetUpIn])).toEqual([[0, 0], [1, 0], [2, undefined], [3, undefined]]);
    expect(done.rounds[2]!.participants).toEqual(ALL);
    expect(done.rounds[3]!.participants).toEqual(ALL);
  });
});
