/**
 * The WAN benchmark's figures (bench/wan.ts): per model, medians over measured rounds of the round
 * time on the WAN and on loopback, the bytes the busiest member's link carried, the protocol's
 * sequential steps, the network floor and WAN / floor; rendered as a markdown table.
 */
import type { JobRun, RoundSample } from './wan-job.ts';
import { median } from './stats.ts';

/** The WAN / floor ratio the benchmark aims for. */
export const WAN_TARGET = 1.5;

/** One model's figures. */
export interface ModelRow {
  model: string;
  parameters: number;
  loopbackSeconds: number;
  wanSeconds: number;
  /** Bytes (up + down) of the member whose link carried the most, per round. */
  busiestBytes: number;
  /** Mean over members of the bytes per round. */
  meanBytes: number;
  /** Tasks each member answered per round: sequential steps, each at least one round trip. */
  steps: number;
  /** loopback + steps × RTT + busiestBytes / bandwidth. */
  floorSeconds: number;
  ratio: number;
  /** (logistic only) Round trips a round waits for, measured by doubling the links' delay. */
  measuredRoundTrips?: number;
}

const busiest = (r: RoundSample) => Math.max(0, ...Object.values(r.bytes).map((b) => b.up + b.down));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The figures of one model from its loopback and WAN jobs (and, for the delay sweep, the same job at twice the RTT). */
export function modelRow(model: string, parameters: number, runs: { wan: JobRun; loop: JobRun }, link: { rttMs: number; mbps: number }, slower?: JobRun): ModelRow {
  const loopbackSeconds = median(runs.loop.rounds.map((r) => r.seconds));
  const wanSeconds = median(runs.wan.rounds.map((r) => r.seconds));
  const busiestBytes = median(runs.wan.rounds.map(busiest));
  const meanBytes = median(runs.wan.rounds.map((r) => mean(Object.values(r.bytes).map((b) => b.up + b.down))));
  const steps = median(runs.wan.rounds.map((r) => Math.max(...Object.values(r.tasks))));
  const floorSeconds = loopbackSeconds + (steps * link.rttMs) / 1000 + (busiestBytes * 8) / (link.mbps * 1e6);
  const row: ModelRow = { model, parameters, loopbackSeconds, wanSeconds, busiestBytes, meanBytes, steps, floorSeconds, ratio: wanSeconds / floorSeconds };
  if (slower) row.measuredRoundTrips = (median(slower.rounds.map((r) => r.seconds)) - wanSeconds) / (link.rttMs / 1000);
  return row;
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/** The markdown table of the rows. */
export function wanTable(rows: ModelRow[], o: { rttMs: number; mbps: number; members: number; lossy: string; stall?: { forMs: number; everyMs: number } | undefined }): string {
  const lines = [
    `${o.members} members, each over its own link: RTT ${o.rttMs} ms, ${o.mbps} Mbit/s each way${o.stall ? `; ${o.lossy}'s link stalls ${o.stall.forMs} ms every ${o.stall.everyMs} ms` : ''}. Mutual TLS, roster, authenticated secure aggregation. Medians of rounds ≥ 1.`,
    '',
    '| model | parameters | loopback s/round | WAN s/round | bytes/member/round (busiest, mean) | steps/round | floor s/round | WAN / floor | target ≤ 1.5 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${r.parameters.toLocaleString('en-US')} | ${r.loopbackSeconds.toFixed(2)} | ${r.wanSeconds.toFixed(2)} | ${kb(r.busiestBytes)}, ${kb(r.meanBytes)} | ${r.steps} | ${r.floorSeconds.toFixed(2)} | ${r.ratio.toFixed(2)} | ${r.ratio <= WAN_TARGET ? 'yes' : '**no**'} |`),
  ];
  const swept = rows.find((r) => r.measuredRoundTrips !== undefined);
  if (swept) lines.push('', `Round trips a ${swept.model} round waits for, measured by doubling the links' delay: ${swept.measuredRoundTrips!.toFixed(1)} (protocol steps: ${swept.steps}).`);
  lines.push('', 'floor = loopback time + steps × RTT + busiest member\'s bytes / bandwidth.');
  return lines.join('\n');
}
