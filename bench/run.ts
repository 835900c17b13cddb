/**
 * `npm run bench`: secure aggregation's costs on this machine, in one run.
 *
 *   npm run bench -- [--parties 10] [--min-participants min(n, 10)] [--hidden 300,300] [--rounds 3]
 *                    [--jobs 4] [--scale 1] [--host 127.0.0.1] [--port 0] [--coordinators process|in-process]
 *                    [--separate-evaluation] [--keys-ahead N] [--next-task MODE]
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
 *    everyone everyone's neighbour. Every job carries each round's evaluation in the next round's
 *    training stage (the job default, one aggregate per round); `--separate-evaluation` gives
 *    each round's evaluation a stage (a secure sum) of its own instead (`evaluation.carried`
 *    false; `--carried`, the default now, is still accepted). The secure modes run with the
 *    job default, keys set up one round ahead (each training sum also sets up the next round's
 *    sum and its own round's evaluation, whose sums then start at the masked-input step).
 *    `--keys-ahead N` adds a fifth mode beside the four: the authenticated job with
 *    `secureAggregation.keysAhead` N (0: every sum sets up its own keys), compared by seconds per
 *    round of whole jobs. `--next-task pull-beside-push` (or
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
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inputDim } from '../core/data/schema.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { DP_BATCH, DP_ROWS, runEpochBench, runSamplerBench } from './dp-noise.ts';
import type { DpNoiseResult } from './dp-noise.ts';
import { fleetStepRows, runFleetStepBench } from './fleet-steps.ts';
import { gbdtRows, runGbdtBench } from './gbdt.ts';
import { localEpochTable, runLocalEpochBench } from './local-epoch.ts';
import { runMaskingBench, runProtocolBench } from './masking.ts';
import type { MaskingResult, ProtocolStepResult } from './masking.ts';
import { parseArgs } from './options.ts';
import { psiTable, runPsiBench } from './psi.ts';
import { machineFacts, MASKING_TARGET, ROUND_TARGET, table } from './report-table.ts';
import { parameterCount, runRoundBench, SCHEMA_FILE } from './secagg-round.ts';
import { runVerticalScoreBench, verticalScoreRows } from './vertical-score.ts';

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
