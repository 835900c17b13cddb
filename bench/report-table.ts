/**
 * The Markdown table `npm run bench` prints (bench/run.ts): the machine, then one group of rows
 * per section that ran, each with its target where the project set one.
 */
import os from 'node:os';
import { DEFAULT_KEYS_AHEAD } from '../core/round/secure-sum.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import type { DpNoiseResult } from './dp-noise.ts';
import { DP_BATCH, DP_ROWS, dpNoiseRows } from './dp-noise.ts';
import { type FleetStepResult, fleetStepRows } from './fleet-steps.ts';
import { type GbdtBench, gbdtRows } from './gbdt.ts';
import type { MaskingResult, ProtocolStepResult } from './masking.ts';
import type { Options } from './options.ts';
import { benchModes } from './secagg-round.ts';
import type { BenchMode, RoundBenchResult } from './secagg-round.ts';
import { median } from './stats.ts';
import { TIME_CATEGORIES } from './time-split.ts';
import { type VerticalScoreBench, verticalScoreRows } from './vertical-score.ts';
import { youngGenerationText } from './young-generation.ts';

/** Secure rounds within this factor of plain ones. */
export const ROUND_TARGET = 1.3;
/** At n ≥ 100: secure + authenticated rounds within this factor of plain ones, and within AUTH_SECONDS_TARGET. */
export const AUTH_TARGET = 1.5;
export const AUTH_SECONDS_TARGET = 10;
/** Masking at least this fraction of the raw keystream's speed. */
export const MASKING_TARGET = 0.5;

const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pass = (ok: boolean) => (ok ? 'yes' : '**no**');

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
  if (!ahead || o.keysAhead === undefined) return [];
  const plain = mean.plain ?? Number.NaN;
  const auth = mean.authenticated ?? Number.NaN;
  const carried = mean['auth-ahead'] ?? Number.NaN;
  return [
    [`secure + authenticated round with keysAhead ${o.keysAhead}, median (s)`, `${fmt(median(ahead), 3)}  (${ahead.length} rounds: ${ahead.map((s) => fmt(s, 2)).join(', ')}; ${o.keysAhead ? 'key setups carried by earlier sums' : 'every sum sets up its own keys'})`, ''],
    ['seconds per round of whole jobs, median over jobs: plain / authenticated / authenticated with keysAhead', `${fmt(plain, 3)} / ${fmt(auth, 3)} / ${fmt(carried, 3)}  (each job's rounds 1..${r.roundsPerJob} added, divided by ${r.roundsPerJob})`, ''],
    [
      `**authenticated with keysAhead ${o.keysAhead} / plain** (seconds per round of whole jobs)`,
      `**${fmt(carried / plain, 3)}**  (with the default keysAhead ${DEFAULT_KEYS_AHEAD}, same run: ${fmt(auth / plain, 3)})`,
      r.parties >= 100 ? `≤ ${AUTH_TARGET} and ≤ ${AUTH_SECONDS_TARGET} s: ${pass(carried / plain <= AUTH_TARGET && carried <= AUTH_SECONDS_TARGET)}` : '',
    ],
  ];
}

export function table(machine: Record<string, string>, m: MaskingResult | undefined, p: ProtocolStepResult | undefined, r: RoundBenchResult | undefined, parameters: number, o: Options, dp?: DpNoiseResult, vertical?: VerticalScoreBench, gbdt?: GbdtBench, steps?: FleetStepResult): string {
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
      ['data', `synthetic consortium, ${r.rows.toLocaleString('en-US')} rows in ${r.parties} parties; 1 local epoch, batch 64; all nodes in this process, over gRPC on ${o.host}, ${r.coordinators === 'process' ? 'each coordinator in a process of its own' : 'the coordinators in the same process'}${o.carried === false ? '; each round\'s evaluation a secure sum of its own (--separate-evaluation)' : '; each round\'s evaluation carried by the next round\'s training stage (the job default)'}${o.nextTask && o.nextTask !== 'push-reply' ? `; nodes poll for each next task (--next-task ${o.nextTask})` : ''}`, ''],
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
        const nodes = c.nodesMainThread === undefined ? fmt(c.nodes, 1) : `${fmt(c.nodes, 1)} [${fmt(c.nodesMainThread, 1)}, GC ${fmt(c.nodesGcPause, 1)}]`;
        return c.coordinator === undefined ? nodes : `${nodes} + ${fmt(c.coordinator, 1)}`;
      }).join(' / ') + (r.coordinators === 'process' ? '  (nodes\' process [its main thread, of it GC pauses] + coordinator process; round 0 and the last evaluation included)' : '  (this process [its main thread, of it GC pauses]; round 0 and the last evaluation included)'), ''],
      ['secure + authenticated round, median (s)', `${fmt(r.authMedianSeconds, 3)}  (${r.authSeconds.length} rounds: ${r.authSeconds.map((s) => fmt(s, 2)).join(', ')}; mutual TLS, roster, signed messages and key adverts, consistency check)`, ''],
      ['**authenticated / secure** (medians)', `**${fmt(r.authOverSecure, 3)}**  (fastest rounds: ${fmt(r.authOverSecureMin, 3)}, ${fmt(r.authMinSeconds, 3)} / ${fmt(r.secureMinSeconds, 3)} s)`, ''],
      [
        '**authenticated / plain** (medians)',
        `**${fmt(r.authOverPlain, 3)}**  (fastest rounds: ${fmt(r.authOverPlainMin, 3)}, ${fmt(r.authMinSeconds, 3)} / ${fmt(r.plainMinSeconds, 3)} s)`,
        r.parties >= 100 ? `≤ ${AUTH_TARGET} and ≤ ${AUTH_SECONDS_TARGET} s: ${pass(r.authOverPlain <= AUTH_TARGET && r.authMedianSeconds <= AUTH_SECONDS_TARGET)}` : '',
      ],
      [
        'authenticated / plain, seconds per round of whole jobs',
        `${fmt((r.meanRoundSeconds.authenticated ?? Number.NaN) / (r.meanRoundSeconds.plain ?? Number.NaN), 3)}  (${fmt(r.meanRoundSeconds.authenticated ?? Number.NaN, 3)} / ${fmt(r.meanRoundSeconds.plain ?? Number.NaN, 3)} s: each job's rounds 1..${r.roundsPerJob} added and divided by ${r.roundsPerJob}, the median over jobs; the last round holds the job's final evaluation)`,
        '',
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

/** The machine the table was measured on. */
export async function machineFacts(backend: string | undefined, inputs: string): Promise<Record<string, string>> {
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
