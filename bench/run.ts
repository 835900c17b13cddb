/**
 * `npm run bench`: secure aggregation's costs on this machine, in one run.
 *
 *   npm run bench -- [--parties 10] [--min-participants min(n, 10)] [--hidden 300,300] [--rounds 3]
 *                    [--jobs 4] [--scale 1] [--host 127.0.0.1] [--port 0] [--coordinators process|in-process]
 *                    [--carried] [--keys-ahead N] [--next-task MODE]
 *                    [--profile [--profile-dir DIR]] [--rounds-only]
 *                    [--reps 60] [--masking-only] [--dp-only] [--psi-only] [--psi-sizes 100000,1000000]
 *                    [--vertical-only] [--gbdt-only] [--fleet-steps-only] [--steps 20] [--blocks 6]
 *                    [--json] [--out bench/results.json]
 *
 * 1. Round time, plain vs secure vs secure + authenticated (bench/secagg-round.ts): real
 *    coordinators and participants over gRPC, same job with aggregation "plain" and "secagg" on a
 *    plaintext coordinator and both again on one with mutual TLS and a roster (signed messages;
 *    its secure sums also sign their key adverts and add the consistency check), jobs
 *    interleaved, medians of rounds ≥ 1. The job's
 *    minParticipants (default min(n, 10)) sets how many neighbours each member masks with: with
 *    10 of 100 members required, "auto" gives k = 14 (SecAgg+); `--min-participants 100` makes
 *    everyone everyone's neighbour. `--carried` makes every job carry each round's evaluation in
 *    the next round's training stage (one aggregate per round). `--keys-ahead N` adds a fifth
 *    mode beside the four: the authenticated job with `secureAggregation.keysAhead` N (a fresh
 *    training sum also sets up the next N rounds' keys, whose sums then start at the
 *    masked-input step), compared by seconds per round of whole jobs. `--next-task pull-beside-push` (or
 *    `pull-after-push`) makes the nodes poll for each next task with a PullTask of its own instead
 *    of getting it in their PushResult's reply (the default, `push-reply`). `--profile` adds one profiled job per mode and a table of where
 *    its rounds' time goes (bench/time-split.ts), and `--profile-dir` saves each mode's raw profile
 *    there (`plain.cpuprofile`, …, for Chrome DevTools); `--rounds-only` runs this section alone. The
 *    coordinators listen on `--host` (default 127.0.0.1), the plaintext one on `--port` and the
 *    authenticated one on port + 1 (default: free ports). Each coordinator runs in a process of its
 *    own (`fedcredit coordinator`) while all nodes share this one; `--coordinators in-process` puts
 *    them in this process too (the default with `--profile`, whose profiler sees one process).
 * 2. Client masking rate vs raw ChaCha20 keystream rate (bench/masking.ts), and the protocol's
 *    client masking step and coordinator unmasking step on the pure stage machines.
 * 3. Exact DP noise vs float noise (bench/dp-noise.ts): Box–Muller vs the exact lattice sampler
 *    per million draws, and a DP-SGD epoch with and without `secureNoise` for logistic
 *    regression, an MLP[16] and an MLP with the `--hidden` layers. `--dp-only` runs this alone.
 * 4. Private set intersection of n × n IDs with 30 % shared (bench/psi.ts), checked against the
 *    plaintext join; `--psi-only` runs this alone.
 * 5. Federated scoring with a trained vertical model over gRPC on loopback (bench/vertical-score.ts):
 *    p50 of single-applicant requests and one request of 10,000 applicants; `--vertical-only`
 *    runs this alone.
 * 6. A federated gbdt model (100 trees of depth 4, the credit example's three lenders) over real
 *    processes with authenticated secure aggregation (bench/gbdt.ts); `--gbdt-only` runs this alone.
 * 7. One local training epoch (5,000 × 30 rows, batch 64) for logistic regression and two MLPs on
 *    each path fedcredit has, beside PyTorch on one thread when python3 can import torch
 *    (bench/local-epoch.ts, also runnable alone).
 * 8. What one protocol step costs the Fleet service at n = `--parties` nodes with mutual TLS and
 *    signed messages, nodes answering at once (bench/fleet-steps.ts): the next task in the
 *    PushResult's reply against a PullTask beside the push, `--blocks` alternating blocks of
 *    `--steps` steps; `--fleet-steps-only` runs this alone.
 *
 * Prints a markdown table (stdout; progress goes to stderr) and writes all numbers as JSON to
 * bench/results.json (`--json` prints the JSON instead of the table). Targets: secure /
 * plain round time ≤ 1.3, masking ≥ 0.5 × the raw keystream rate, scoring p50 ≤ 100 ms and
 * 10,000 applicants ≤ 5 s, the gbdt job ≤ 60 s.
 */
import { youngGenerationText } from './young-generation.ts';
import { runVerticalScoreBench, type VerticalScoreBench, verticalScoreRows } from './vertical-score.ts';
import { type GbdtBench, gbdtRows, runGbdtBench } from './gbdt.ts';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputDim } from '../core/data/schema.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { runMaskingBench, runProtocolBench } from './masking.ts';
import type { MaskingResult, ProtocolStepResult } from './masking.ts';
import { benchModes, parameterCount, runRoundBench, SCHEMA_FILE } from './secagg-round.ts';
import { median } from './stats.ts';
import { dpNoiseRows, runEpochBench, runSamplerBench } from './dp-noise.ts';
import type { EpochResult, SamplerResult } from './dp-noise.ts';
import type { BenchMode, CoordinatorLayout, RoundBenchResult } from './secagg-round.ts';
import { psiTable, runPsiBench } from './psi.ts';
import { type FleetStepResult, fleetStepRows, runFleetStepBench } from './fleet-steps.ts';
import { TIME_CATEGORIES } from './time-split.ts';
import { localEpochTable, runLocalEpochBench } from './local-epoch.ts';
import type { NextTaskMode } from '../participant/node.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROUND_TARGET = 1.3;
/** At n ≥ 100: secure + authenticated rounds within this factor of plain ones, and within AUTH_SECONDS_TARGET. */
const AUTH_TARGET = 1.5;
const AUTH_SECONDS_TARGET = 10;
const MASKING_TARGET = 0.5;

interface Options {
  parties: number;
  /** Default min(parties, 10). */
  minParticipants?: number;
  host: string;
  port: number;
  coordinators?: CoordinatorLayout;
  profile: boolean;
  profileDir?: string;
  carried: boolean;
  keysAhead: number;
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

function parseArgs(argv: string[]): Options {
  const o: Options = { parties: 10, host: '127.0.0.1', port: 0, profile: false, carried: false, keysAhead: 0, roundsOnly: false, hidden: [300, 300], rounds: 3, jobs: 4, scale: 1, reps: 60, maskingOnly: false, dpOnly: false, psiOnly: false, verticalOnly: false, fleetStepsOnly: false, steps: 20, blocks: 6, gbdtOnly: false, psiSizes: [100_000], json: false, out: path.join(HERE, 'results.json') };
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

const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pass = (ok: boolean) => (ok ? 'yes' : '**no**');

/** Rows and batch of the DP-SGD epochs of section 3 (q = 64/5000: 78 steps per epoch). */
const DP_ROWS = 5000;
const DP_BATCH = 64;

/** Section 3's measurements. */
interface DpNoiseResult {
  sampler: SamplerResult;
  epochs: EpochResult[];
}

/** Each step of the secure modes' training sums with its median seconds, secure / authenticated ("—" where a mode has no such step). */
function stepsCell(r: RoundBenchResult): string {
  const { secagg, authenticated } = r.stepSeconds;
  const steps = [...new Set([...authenticated, ...secagg].map((x) => x.step))]; // the authenticated order includes the consistency check
  const secondsOf = (mode: typeof secagg, step: string) => {
    const x = mode.find((y) => y.step === step);
    return x ? fmt(x.seconds, 2) : '—';
  };
  return steps.map((step) => `${step} ${secondsOf(secagg, step)} / ${secondsOf(authenticated, step)}`).join(', ');
}

const MODE_NAMES: Record<BenchMode, string> = { plain: 'plain', 'plain-mtls': 'plain over mutual TLS', secagg: 'secure', authenticated: 'authenticated', 'auth-ahead': 'authenticated with keysAhead' };

/**
 * With `--keys-ahead N`: the authenticated job with keys set up ahead, beside the one without.
 * Its rounds are uneven by design, so the comparison that counts is seconds per round of whole
 * jobs (rounds 1..R added, divided by R; the median over jobs).
 */
function aheadRows(r: RoundBenchResult, o: Options): [string, string, string][] {
  const ahead = r.authAheadSeconds;
  const mean = r.meanRoundSeconds;
  if (!ahead || !o.keysAhead) return [];
  const plain = mean.plain ?? Number.NaN;
  const auth = mean.authenticated ?? Number.NaN;
  const carried = mean['auth-ahead'] ?? Number.NaN;
  return [
    [`secure + authenticated round with keysAhead ${o.keysAhead}, median (s)`, `${fmt(median(ahead), 3)}  (${ahead.length} rounds: ${ahead.map((s) => fmt(s, 2)).join(', ')}; later rounds' key setup carried by an earlier round's sum)`, ''],
    ['seconds per round of whole jobs, median over jobs: plain / authenticated / authenticated with keysAhead', `${fmt(plain, 3)} / ${fmt(auth, 3)} / ${fmt(carried, 3)}  (each job's rounds 1..${r.roundsPerJob} added, divided by ${r.roundsPerJob})`, ''],
    [
      `**authenticated with keysAhead ${o.keysAhead} / plain** (seconds per round of whole jobs)`,
      `**${fmt(carried / plain, 3)}**  (without keysAhead, same run: ${fmt(auth / plain, 3)})`,
      r.parties >= 100 ? `≤ ${AUTH_TARGET} and ≤ ${AUTH_SECONDS_TARGET} s: ${pass(carried / plain <= AUTH_TARGET && carried <= AUTH_SECONDS_TARGET)}` : '',
    ],
  ];
}

function table(machine: Record<string, string>, m: MaskingResult | undefined, p: ProtocolStepResult | undefined, r: RoundBenchResult | undefined, parameters: number, o: Options, dp?: DpNoiseResult, vertical?: VerticalScoreBench, gbdt?: GbdtBench, steps?: FleetStepResult): string {
  const rows: [string, string, string][] = [
    ['machine', `${machine.cpu} × ${machine.cores} cores, ${machine.memory}, ${machine.os}`, ''],
    ['Node / tfjs backend / young generation of this process', `${machine.node} / ${machine.backend} / ${youngGenerationText()}`, ''],
    ['participants n', String(o.parties), ''],
    ['model (parameters)', `mlp [${o.hidden.join(', ')}] over ${machine.inputDim} inputs: ${parameters.toLocaleString('en-US')} parameters`, ''],
  ];
  if (r) {
    const modes = benchModes(o);
    const modeNames = modes.map((m) => MODE_NAMES[m]).join(' / ');
    rows.push(
      ['data', `synthetic consortium, ${r.rows.toLocaleString('en-US')} rows in ${r.parties} parties; 1 local epoch, batch 64; all nodes in this process, over gRPC on ${o.host}, ${r.coordinators === 'process' ? 'each coordinator in a process of its own' : 'the coordinators in the same process'}${o.carried ? '; each round\'s evaluation carried by the next round\'s training stage (--carried)' : ''}${o.nextTask && o.nextTask !== 'push-reply' ? `; nodes poll for each next task (--next-task ${o.nextTask})` : ''}`, ''],
      [
        'secure aggregation',
        `${r.secureWords.toLocaleString('en-US')} words mod 2^32 per update, k = ${r.neighbours} neighbours ${r.neighbours >= r.parties - 1 ? '(everyone)' : '(SecAgg+ ring drawn per round)'}, threshold t = ${r.threshold}; job minParticipants ${r.minParticipants}`,
        '',
      ],
      ['plain round, median (s)', `${fmt(r.plainMedianSeconds, 3)}  (${r.plainSeconds.length} rounds: ${r.plainSeconds.map((s) => fmt(s, 2)).join(', ')}; plaintext coordinator)`, ''],
      ['plain round on the mutual TLS + roster coordinator, median (s)', `${fmt(r.plainMtlsMedianSeconds, 3)}  (${r.plainMtlsSeconds.length} rounds: ${r.plainMtlsSeconds.map((s) => fmt(s, 2)).join(', ')}; signed messages, no secure sum)`, ''],
      ['secure round, median (s)', `${fmt(r.secureMedianSeconds, 3)}  (${r.secureSeconds.length} rounds: ${r.secureSeconds.map((s) => fmt(s, 2)).join(', ')})`, ''],
      ['**secure / plain** (medians)', `**${fmt(r.ratio, 3)}**`, `≤ ${ROUND_TARGET}: ${pass(r.ratio <= ROUND_TARGET)}`],
      ['secure / plain, fastest rounds', `${fmt(r.minRatio, 3)}  (${fmt(r.secureMinSeconds, 3)} / ${fmt(r.plainMinSeconds, 3)} s; less sensitive to load from other tenants)`, ''],
      [`CPU of one whole job, median (s): ${modeNames}`, modes.map((m) => {
        const c = r.jobCpuSeconds[m];
        if (!c) return 'n/a';
        return c.coordinator === undefined ? fmt(c.nodes, 1) : `${fmt(c.nodes, 1)} + ${fmt(c.coordinator, 1)}`;
      }).join(' / ') + (r.coordinators === 'process' ? '  (nodes\' process + coordinator process; round 0 and the last evaluation included)' : '  (this process; round 0 and the last evaluation included)'), ''],
      ['secure + authenticated round, median (s)', `${fmt(r.authMedianSeconds, 3)}  (${r.authSeconds.length} rounds: ${r.authSeconds.map((s) => fmt(s, 2)).join(', ')}; mutual TLS, roster, signed messages and key adverts, consistency check)`, ''],
      ['**authenticated / secure** (medians)', `**${fmt(r.authOverSecure, 3)}**  (fastest rounds: ${fmt(r.authOverSecureMin, 3)}, ${fmt(r.authMinSeconds, 3)} / ${fmt(r.secureMinSeconds, 3)} s)`, ''],
      [
        '**authenticated / plain** (medians)',
        `**${fmt(r.authOverPlain, 3)}**  (fastest rounds: ${fmt(r.authOverPlainMin, 3)}, ${fmt(r.authMinSeconds, 3)} / ${fmt(r.plainMinSeconds, 3)} s)`,
        r.parties >= 100 ? `≤ ${AUTH_TARGET} and ≤ ${AUTH_SECONDS_TARGET} s: ${pass(r.authOverPlain <= AUTH_TARGET && r.authMedianSeconds <= AUTH_SECONDS_TARGET)}` : '',
      ],
      ...aheadRows(r, o),
      ['secure sum steps of a training round, median (s): secure / authenticated', `${stepsCell(r)}  (as the coordinator timed them: from sending a step's messages to its own step done with the replies)`, ''],
      [
        'authenticated / plain on the same mutual TLS + roster coordinator (medians)',
        `${fmt(r.authOverPlainMtls, 3)}  (fastest rounds: ${fmt(r.authOverPlainMtlsMin, 3)}, ${fmt(r.authMinSeconds, 3)} / ${fmt(r.plainMtlsMinSeconds, 3)} s; what secure aggregation alone costs when both run with transport security)`,
        '',
      ],
    );
    if (r.timeSplit) {
      const split = r.timeSplit;
      rows.push([`**where a round's time goes** (s per round: ${modeNames})`, r.coordinators === 'process'
        ? 'one profiled job per mode, rounds ≥ 1; the nodes\' process only (the coordinators ran in processes of their own: with --profile-dir, their profiles are in coordinator-*/ there)'
        : 'one profiled job per mode, rounds ≥ 1; all parties share this process, so the parts add up to the round', '']);
      for (const c of TIME_CATEGORIES) rows.push([`&nbsp;&nbsp;${c}`, modes.map((m) => fmt(split[m]?.[c] ?? Number.NaN, 2)).join(' / '), '']);
    }
  }
  if (m && p) rows.push(
    ['raw ChaCha20 keystream (MB/s)', `${fmt(m.keystreamMBps, 0)}  (chacha20Keystream ${fmt(m.keystreamApiMBps, 0)}, 64 KiB updates ${fmt(m.keystreamChunkedMBps, 0)})`, ''],
    ['client masking (MB/s)', `${fmt(m.maskingMBps, 0)}  (${m.words.toLocaleString('en-US')} words × ${m.terms} masks = ${fmt((4 * m.words * m.terms) / 1e6, 1)} MB in ${fmt(m.maskingMsPerVector, 2)} ms; adder ${m.kernel})`, ''],
    ['**masking / keystream**', `**${fmt(m.ratio, 3)}**`, `≥ ${MASKING_TARGET}: ${pass(m.ratio >= MASKING_TARGET)}`],
    ['textbook expandMask + addMod (MB/s)', `${fmt(m.textbookMBps, 0)}  (ratio ${fmt(m.textbookRatio, 3)}; the pre-chunking algorithm, for comparison)`, ''],
    [
      'client steps per secure sum (ms)',
      `keys ${fmt(p.clientStepsMs.advertiseKeys, 1)}, shares ${fmt(p.clientStepsMs.shareKeys, 1)}, masked input ${fmt(p.clientStepsMs.maskedInput, 1)}, unmasking ${fmt(p.clientStepsMs.unmasking, 1)}  (${p.words.toLocaleString('en-US')} words, ${p.neighbours} neighbours; pure stage machines)`,
      '',
    ],
    ['one X25519 agreement (ms)', `${fmt(p.x25519CoreMs, 3)} core sharedSecret (OpenSSL, JWK import); ${fmt(p.x25519NaclMs, 3)} tweetnacl scalarMult; ${fmt(p.x25519NodeMs, 3)} diffieHellman alone on imported keys`, ''],
    ['coordinator unmasking (ms)', `${fmt(p.unmaskMs, 1)} no dropout; ${Number.isNaN(p.unmaskOneDroppedMs) ? `n/a with 1 of ${p.parties} dropped (t = ${p.threshold}: no dropout tolerance)` : `${fmt(p.unmaskOneDroppedMs, 1)} with 1 of ${p.parties} dropped (Shamir + removeMask)`}`, ''],
  );
  if (dp) rows.push(...dpNoiseRows(dp.sampler, dp.epochs, DP_ROWS, DP_BATCH));
  if (vertical) rows.push(...verticalScoreRows(vertical));
  if (gbdt) rows.push(...gbdtRows(gbdt));
  if (steps) rows.push(...fleetStepRows(steps));
  const lines = ['| metric | value | target |', '|---|---|---|', ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)];
  return lines.join('\n');
}

async function machineFacts(backend: string | undefined, inputs: string): Promise<Record<string, string>> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: String(cpus.length),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.platform()} ${os.arch()}`,
    node: process.version,
    backend: backend ?? (await initBackend()).name,
    inputDim: inputs,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(line + '\n');
  const schema = loadSchemaFile(SCHEMA_FILE);
  const parameters = parameterCount(o.hidden, schema);
  const started = performance.now();
  if (o.verticalOnly) {
    const vertical = await runVerticalScoreBench(log);
    writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), options: o, vertical }, null, 2) + '\n');
    console.log(o.json ? JSON.stringify(vertical, null, 2) : ['| metric | value | target |', '|---|---|---|', ...verticalScoreRows(vertical).map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n'));
    return;
  }
  if (o.gbdtOnly) {
    const gbdt = await runGbdtBench(log);
    writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), options: o, gbdt }, null, 2) + '\n');
    console.log(o.json ? JSON.stringify(gbdt, null, 2) : ['| metric | value | target |', '|---|---|---|', ...gbdtRows(gbdt).map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n'));
    return;
  }
  if (o.fleetStepsOnly) {
    const steps = await runFleetStepBench(o.parties, o.steps, o.blocks, log);
    writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), options: o, fleetSteps: steps }, null, 2) + '\n');
    console.log(o.json ? JSON.stringify(steps, null, 2) : ['| metric | value | target |', '|---|---|---|', ...fleetStepRows(steps).map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n'));
    return;
  }
  if (o.psiOnly) {
    const psi = await runPsiBench(o.psiSizes, log);
    writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), options: o, psi }, null, 2) + '\n');
    console.log(o.json ? JSON.stringify(psi, null, 2) : psiTable(psi));
    return;
  }

  let masking: MaskingResult | undefined;
  let protocol: ProtocolStepResult | undefined;
  if (!o.dpOnly && !o.roundsOnly) {
    log(`masking: ${parameters} words × ${o.parties} masks (1 self + ${o.parties - 1} pairwise), ${o.reps} interleaved repetitions ...`);
    masking = runMaskingBench(parameters, o.parties, o.reps);
    log(`  keystream ${masking.keystreamMBps.toFixed(0)} MB/s, masking ${masking.maskingMBps.toFixed(0)} MB/s (${masking.kernel}), ratio ${masking.ratio.toFixed(3)}`);
    log(`protocol steps on the pure stage machines: ${o.parties} clients ...`);
    protocol = runProtocolBench(o.parties, parameters);
    log(`  client masked-input step ${protocol.clientStepsMs.maskedInput.toFixed(1)} ms, coordinator unmasking ${protocol.unmaskMs.toFixed(1)} ms (${Number.isNaN(protocol.unmaskOneDroppedMs) ? 'one dropout: not survivable at this size' : `${protocol.unmaskOneDroppedMs.toFixed(1)} ms with one dropout`})`);
  }

  const minParticipants = o.minParticipants ?? Math.min(o.parties, 10);
  const rounds = o.maskingOnly || o.dpOnly ? undefined : await runRoundBench({
    parties: o.parties, minParticipants, hidden: o.hidden, rounds: o.rounds, jobsPerMode: o.jobs, scale: o.scale, seed: 1,
    host: o.host, port: o.port, coordinators: o.coordinators ?? (o.profile ? 'in-process' : 'process'), carried: o.carried, keysAhead: o.keysAhead, ...(o.nextTask ? { nextTask: o.nextTask } : {}), profile: o.profile, ...(o.profileDir ? { profileDir: o.profileDir } : {}), log,
  });
  if (o.roundsOnly) {
    const machine = await machineFacts(rounds?.backend, String(inputDim(schema)));
    writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), machine, options: o, parameters, rounds, masking, protocol, benchSeconds: (performance.now() - started) / 1000 }, null, 2) + '\n');
    console.log(o.json ? JSON.stringify(rounds, null, 2) : table(machine, masking, protocol, rounds, parameters, o));
    return;
  }
  log('DP noise: Box–Muller vs exact lattice sampler, 10^6 draws each ...');
  const sampler = runSamplerBench(1_000_000, 5, inputDim(schema));
  log(`  Box–Muller ${sampler.boxMullerMsPerMillion.toFixed(0)} ms, lattice ${sampler.latticeMsPerMillion.toFixed(0)} ms, CKS ${sampler.cksMsPerMillion.toFixed(0)} ms per 10^6 draws`);
  log(`DP-SGD epochs (${DP_ROWS} rows, q = ${DP_BATCH}/${DP_ROWS}), secureNoise false vs true ...`);
  const epochs = await runEpochBench(inputDim(schema), o.hidden, DP_ROWS, DP_BATCH, 5, log);
  const dpNoise: DpNoiseResult = { sampler, epochs };
  const psi = await runPsiBench(o.psiSizes, log);
  const vertical = await runVerticalScoreBench(log);
  const gbdt = await runGbdtBench(log);
  const fleetSteps = await runFleetStepBench(o.parties, o.steps, o.blocks, log);
  log('local epochs against PyTorch (5,000 × 30 rows, batch 64) ...');
  const localEpoch = await runLocalEpochBench(5000, 5, log);
  const machine = await machineFacts(rounds?.backend, String(inputDim(schema)));
  const result = {
    date: new Date().toISOString(),
    machine,
    options: o,
    parameters,
    targets: { secureOverPlainMax: ROUND_TARGET, maskingOverKeystreamMin: MASKING_TARGET },
    rounds: rounds ?? null,
    masking: masking ?? null,
    protocol: protocol ?? null,
    dpNoise: { rows: DP_ROWS, batch: DP_BATCH, ...dpNoise },
    psi,
    vertical,
    gbdt,
    fleetSteps,
    localEpoch,
    benchSeconds: (performance.now() - started) / 1000,
  };
  writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  log(`results written to ${path.relative(process.cwd(), o.out) || o.out} (${result.benchSeconds.toFixed(0)} s)`);
  if (o.json) console.log(JSON.stringify(result, null, 2));
  else console.log(`${table(machine, masking, protocol, rounds, parameters, o, dpNoise, vertical, gbdt, fleetSteps)}\n\nPrivate set intersection (both parties in this process, one worker thread per core):\n\n${psiTable(psi)}\n\nOne local epoch, side by side with PyTorch on one thread (median of 5 epochs after a warm-up; target for MLPs: within 2× of PyTorch):\n\n${localEpochTable(localEpoch, 5000)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
