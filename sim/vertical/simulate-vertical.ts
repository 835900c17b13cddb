/**
 * A vertical job with every party in this process: each party is a real {@link VerticalParty}
 * (the same code a participant node runs), the coordinator's side is {@link runVerticalJob}, and
 * the grid between them is in memory. Used by `fedcredit simulate` for vertical jobs, the
 * examples and the tests that record what every party sees.
 */
import type { Rng } from '../../core/types.ts';
import type { VerticalHandler } from '../../core/vertical/messages.ts';
import { runVerticalJob, type VerticalEvent, type VerticalOutcome } from '../../core/vertical/run-job.ts';
import type { VerticalJobSpec } from '../../core/vertical/spec.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import { PsiPool } from '../../participant/psi/pool.ts';
import { runScoreStage } from '../../core/vertical/score-stage.ts';
import { type ModelPart, type ReceiveHook, type ScoreOptions, type ScoreResult, VerticalParty, type VerticalPartyData, type VerticalPartyOptions } from '../../participant/vertical/party.ts';
import { type SeenStep, verticalMemoryGrid } from './memory-grid.ts';

/** Options of {@link simulateVertical}. */
export interface SimulateVerticalOptions {
  /** The consortium's ID salt (the same at every party). */
  salt: string;
  jobId?: string;
  /** Randomness of the dealer and of every party (default: the OS CSPRNG). */
  rng?: Rng;
  /** Collects every step each party received and answered. */
  seen?: SeenStep[];
  emit?: (e: VerticalEvent) => void;
  /** Wraps a party's handler (tests: to fail or tamper with a party). */
  wrap?: (party: string, h: VerticalHandler) => VerticalHandler;
  /** Called with the content of every envelope a party opens, by party. */
  onReceive?: (party: string, ...args: Parameters<ReceiveHook>) => void;
  /** Fixes the label holder's row plan (see `VerticalPartyOptions.planSeed`). */
  planSeed?: number;
  /** Keep the parties up after training, to score with {@link SimulatedVertical.score} (then call `close`). */
  keepOpen?: boolean;
  /** Further options of each party (identity key, roster). */
  partyOptions?: (party: string) => Partial<VerticalPartyOptions>;
}

/** The outcome, with each party's model part, and scoring with the trained model. */
export interface SimulatedVertical extends VerticalOutcome {
  parts: Record<string, ModelPart>;
  /** Scores applicants at the label holder with every party's part (the parties stay up until `close`). */
  score(table: { header: readonly string[]; rows: readonly (readonly string[])[] }, idColumn: string, o?: ScoreOptions & { down?: string[] }): Promise<ScoreResult>;
  /** Ends the parties' worker threads. */
  close(): Promise<void>;
}

/** Runs `job` over the parties' tables. */
export async function simulateVertical(job: VerticalJobSpec, data: Record<string, VerticalPartyData>, o: SimulateVerticalOptions): Promise<SimulatedVertical> {
  const rng = o.rng ?? cryptoRng;
  const jobId = o.jobId ?? 'simulated-vertical';
  const pool = new PsiPool();
  const parties: VerticalParty[] = Object.entries(data).map(([name, d]) => new VerticalParty({ ...o.partyOptions?.(name), name, data: d, salt: o.salt, rng, pool, ...(o.planSeed !== undefined && name === job.labelHolder ? { planSeed: o.planSeed } : {}), ...(o.onReceive ? { onReceive: (...a: Parameters<ReceiveHook>) => o.onReceive!(name, ...a) } : {}) }));
  const close = async () => {
    await Promise.all(parties.map((p) => p.close()));
    await pool.close();
  };
  try {
    const handlers = new Map<string, VerticalHandler>(parties.map((p) => [p.name, o.wrap ? o.wrap(p.name, p.handle) : p.handle]));
    const outcome = await runVerticalJob(jobId, job, { grid: verticalMemoryGrid(handlers, o.seen), rng, now: () => performance.now(), emit: o.emit });
    const parts: Record<string, ModelPart> = {};
    for (const p of parties) {
      const part = p.modelPart(jobId);
      if (part) parts[p.name] = part;
    }
    const label = parties.find((p) => p.name === job.labelHolder)!;
    const score: SimulatedVertical['score'] = (table, idColumn, so = {}) => {
      const up = new Map([...handlers].filter(([name]) => !so.down?.includes(name)));
      return label.score(jobId, table, idColumn, (r) => runScoreStage(verticalMemoryGrid(up), r.jobId, job, r.request, r.envelopes, r.deadlineMs), so);
    };
    if (!o.keepOpen) await close();
    return { ...outcome, parts, score, close };
  } catch (err) {
    await close();
    throw err;
  }
}
