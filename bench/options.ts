/**
 * The command line of `npm run bench` (bench/run.ts): every option, its default and its check.
 * An unknown option, a missing value or a value out of range stops the benchmark with a message
 * naming the option.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextTaskMode } from '../participant/node.ts';
import type { CoordinatorLayout } from './secagg-round.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The benchmark's options (bench/run.ts documents each). */
export interface Options {
  parties: number;
  /** Default min(parties, 10). */
  minParticipants?: number;
  host: string;
  port: number;
  coordinators?: CoordinatorLayout;
  profile: boolean;
  profileDir?: string;
  carried: boolean;
  /** `--keys-ahead N`: the fifth mode's keysAhead; absent, no fifth mode. */
  keysAhead?: number;
  nextTask?: NextTaskMode;
  roundsOnly: boolean;
  hidden: number[];
  rounds: number;
  jobs: number;
  scale: number;
  reps: number;
  maskingOnly: boolean;
  dpOnly: boolean;
  psiOnly: boolean;
  fleetStepsOnly: boolean;
  steps: number;
  blocks: number;
  verticalOnly: boolean;
  gbdtOnly: boolean;
  psiSizes: number[];
  json: boolean;
  out: string;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { parties: 10, host: '127.0.0.1', port: 0, profile: false, carried: true, roundsOnly: false, hidden: [300, 300], rounds: 3, jobs: 4, scale: 1, reps: 60, maskingOnly: false, dpOnly: false, psiOnly: false, verticalOnly: false, fleetStepsOnly: false, steps: 20, blocks: 6, gbdtOnly: false, psiSizes: [100_000], json: false, out: path.join(HERE, 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (min: number) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < min) throw new Error(`${a} must be an integer ≥ ${min}`);
      return v;
    };
    if (a === '--parties') o.parties = int(2);
    else if (a === '--min-participants') o.minParticipants = int(1);
    else if (a === '--host') o.host = value();
    else if (a === '--port') {
      o.port = int(0);
      if (o.port > 65534) throw new Error('--port must be at most 65534 (the authenticated coordinator takes port + 1)');
    } else if (a === '--profile') o.profile = true;
    else if (a === '--coordinators') {
      const m = value();
      if (m !== 'process' && m !== 'in-process') throw new Error(`--coordinators must be process or in-process, got "${m}"`);
      o.coordinators = m;
    }
    else if (a === '--carried') o.carried = true;
    else if (a === '--separate-evaluation') o.carried = false;
    else if (a === '--keys-ahead') o.keysAhead = int(0);
    else if (a === '--next-task') {
      const m = value();
      if (m !== 'push-reply' && m !== 'pull-beside-push' && m !== 'pull-after-push') throw new Error(`--next-task must be push-reply, pull-beside-push or pull-after-push, got "${m}"`);
      o.nextTask = m;
    }
    else if (a === '--profile-dir') {
      o.profileDir = path.resolve(value());
      o.profile = true;
    }
    else if (a === '--rounds-only') o.roundsOnly = true;
    else if (a === '--hidden') o.hidden = value().split(',').map((s) => Number(s));
    else if (a === '--rounds') o.rounds = int(1);
    else if (a === '--jobs') o.jobs = int(1);
    else if (a === '--scale') o.scale = Number(value());
    else if (a === '--reps') o.reps = int(5);
    else if (a === '--masking-only') o.maskingOnly = true;
    else if (a === '--dp-only') o.dpOnly = true;
    else if (a === '--psi-only') o.psiOnly = true;
    else if (a === '--fleet-steps-only') o.fleetStepsOnly = true;
    else if (a === '--steps') o.steps = int(1);
    else if (a === '--blocks') o.blocks = int(2);
    else if (a === '--vertical-only') o.verticalOnly = true;
    else if (a === '--gbdt-only') o.gbdtOnly = true;
    else if (a === '--psi-sizes') o.psiSizes = value().split(',').map((v) => Number(v));
    else if (a === '--json') o.json = true;
    else if (a === '--out') o.out = path.resolve(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.hidden.length || o.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error('--hidden expects positive integers, e.g. 300,300');
  if (!(o.scale > 0)) throw new Error('--scale must be positive');
  if (o.minParticipants !== undefined && o.minParticipants > o.parties) throw new Error(`--min-participants ${o.minParticipants} exceeds --parties ${o.parties}: no round could start`);
  return o;
}
