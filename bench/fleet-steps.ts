/**
 * What one protocol step costs the Fleet service itself, without any model or cryptography of the
 * job: n in-process nodes with mutual TLS and Ed25519-signed messages (a consortium made here, a
 * coordinator with its roster on 127.0.0.1), each answering every task at once with a refusal,
 * while the coordinator runs back-to-back stages over all of them. Two fleets side by side, one
 * per way of getting the next task (participant/node.ts `nextTask`):
 * - `push-reply`: the PushResult asks for the next task, which comes in its reply (one call);
 * - `pull-beside-push`: a PullTask long poll sent right behind each PushResult (two calls).
 * Blocks of `steps` stages alternate between the fleets (A B, B A, …) so that the machine's load
 * drifts over both alike. Reported: milliseconds per step (medians of the blocks) and their ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import type { TaskHandler } from '../participant/handler.ts';
import { ParticipantNode, type NextTaskMode } from '../participant/node.ts';
import { createLogger } from '../platform/log.ts';
import { job, schema } from '../proto/vectors/fixtures.ts';
import { createConsortium } from '../trust/certs.ts';
import { loadCredentials } from '../trust/files.ts';
import { clientCredentials } from '../trust/tls.ts';
import { median } from './stats.ts';

/** The two ways compared, in the order of the first block. */
export const STEP_MODES = ['push-reply', 'pull-beside-push'] as const satisfies readonly NextTaskMode[];
export type StepMode = (typeof STEP_MODES)[number];

/** Result of {@link runFleetStepBench}. */
export interface FleetStepResult {
  parties: number;
  stepsPerBlock: number;
  /** Milliseconds per step of each block, per mode. */
  msPerStep: Record<StepMode, number[]>;
  medianMs: Record<StepMode, number>;
  /** push-reply / pull-beside-push, of the medians. */
  ratio: number;
}

interface StepFleet {
  coord: CoordinatorHandle;
  nodes: ParticipantNode[];
}

/** Runs the comparison; see the module header. */
export async function runFleetStepBench(parties: number, stepsPerBlock: number, blocks: number, log: (line: string) => void): Promise<FleetStepResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-steps-'));
  const names = Array.from({ length: parties }, (_, i) => `member-${String(i + 1).padStart(3, '0')}`);
  const fleets: Partial<Record<StepMode, StepFleet>> = {};
  try {
    await createConsortium({
      out: path.join(dir, 'consortium'), participants: names.map((name) => ({ name, role: 'bank' as const })), operators: ['bench'],
      consortium: 'bench-steps', force: true, hosts: ['127.0.0.1', 'localhost'],
    });
    for (const mode of STEP_MODES) fleets[mode] = await startStepFleet(dir, names, mode);
    log(`fleet steps: ${parties} nodes per coordinator (mutual TLS, signed messages), ${blocks} blocks of ${stepsPerBlock} steps per way`);
    const msPerStep: Record<StepMode, number[]> = { 'push-reply': [], 'pull-beside-push': [] };
    const config = { jobId: 'bench-steps', job: job(), schema: schema() };
    let round = 0;
    for (let b = 0; b < blocks; b++) {
      for (const mode of b % 2 === 0 ? STEP_MODES : [...STEP_MODES].reverse()) {
        const grid = fleets[mode]!.coord.grid;
        const t0 = performance.now();
        for (let s = 0; s < stepsPerBlock; s++) {
          const r = await grid.run(names, { kind: 'stats', round: round++, config }, 60_000);
          // Every node answers (with its refusal): a step that lost one would not be a step of all n.
          const lost = r.failures.find((f) => !f.reason.startsWith('refused:'));
          if (lost) throw new Error(`fleet steps (${mode}): ${lost.participant} did not answer: ${lost.reason}`);
        }
        msPerStep[mode].push((performance.now() - t0) / stepsPerBlock);
      }
      log(`  block ${b + 1}: ${STEP_MODES.map((m) => `${m} ${msPerStep[m][b]!.toFixed(1)} ms`).join(', ')} per step`);
    }
    const medianMs = { 'push-reply': median(msPerStep['push-reply']), 'pull-beside-push': median(msPerStep['pull-beside-push']) };
    return { parties, stepsPerBlock, msPerStep, medianMs, ratio: medianMs['push-reply'] / medianMs['pull-beside-push'] };
  } finally {
    for (const f of Object.values(fleets)) {
      for (const n of f.nodes) n.stop();
      await f.coord.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A coordinator with the consortium's roster and `names` nodes that refuse every task at once. */
async function startStepFleet(dir: string, names: string[], mode: StepMode): Promise<StepFleet> {
  const c = loadCredentials(path.join(dir, 'consortium', 'coordinator'), 'coordinator');
  const coord = await startCoordinator({
    port: 0, host: '127.0.0.1', stateDir: path.join(dir, `coordinator-${mode}`), logLevel: 'error',
    tls: { ca: c.ca, cert: c.cert, key: c.key }, roster: c.roster, heartbeatTimeoutMs: 60_000,
  });
  const quiet = createLogger(`bench-steps:${mode}`, 'error');
  const refuse: TaskHandler = async () => ({ refusal: { code: 'bench', reason: 'a fleet step, not a job' } });
  const nodes = names.map((name) => {
    const creds = loadCredentials(path.join(dir, 'consortium', 'participants', name), 'participant');
    const node = new ParticipantNode({
      coordinator: coord.address, name, role: 'bank', schemaDigest: '', handler: refuse, log: quiet,
      credentials: clientCredentials(creds), identity: creds.identity, nextTask: mode,
    });
    node.run().catch(() => undefined);
    return node;
  });
  const end = Date.now() + 60_000;
  while (coord.grid.available().length < names.length) {
    if (Date.now() > end) throw new Error(`fleet steps (${mode}): only ${coord.grid.available().length} of ${names.length} nodes registered within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { coord, nodes };
}

/** The result as table rows (label, value, target). */
export function fleetStepRows(r: FleetStepResult): [string, string, string][] {
  return [
    [`fleet step, ${r.parties} nodes, mutual TLS + signed messages (ms)`, `next task in the PushResult reply ${r.medianMs['push-reply'].toFixed(1)}; PullTask beside the push ${r.medianMs['pull-beside-push'].toFixed(1)} (medians of ${r.msPerStep['push-reply'].length} blocks of ${r.stepsPerBlock} steps)`, ''],
    ['**fleet step, reply / poll** (medians)', `**${r.ratio.toFixed(3)}**`, ''],
  ];
}
