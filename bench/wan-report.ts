/**
 * The WAN benchmark's figures (bench/wan.ts): per model and node setting, over the measured rounds
 * of every pass, the round time on the WAN and on loopback (median and fastest), the bytes the
 * busiest member's link carried, the protocol's sequential steps, the bursts of requests counted
 * on the uplinks, the network floor and WAN / floor; rendered as a markdown table.
 */
import type { JobRun, RoundSample } from './wan-job.ts';
import type { WindowBench } from './wan-window.ts';
import { median, min } from './stats.ts';

/** The WAN / floor ratio the benchmark aims for. */
export const WAN_TARGET = 1.5;

/** One model's figures on one WAN fleet. */
export interface ModelRow {
  model: string;
  parameters: number;
  loopbackSeconds: number;
  wanSeconds: number;
  loopbackMinSeconds: number;
  wanMinSeconds: number;
  /** Bytes (up + down) of the member whose link carried the most, per round. */
  busiestBytes: number;
  /** Mean over members of the bytes per round. */
  meanBytes: number;
  /** Bytes a member sent per round (its uplink, TLS records included): median over members and rounds. */
  uploadBytes: number;
  /** Tasks each member answered per round: sequential steps, each at least one round trip. */
  steps: number;
  /** Bursts of requests per round on a member's uplink (median over members and rounds). */
  upBursts: number;
  /** loopback + steps × RTT + busiestBytes / bandwidth, from the median loopback round. */
  floorSeconds: number;
  /** The same from the fastest loopback round. */
  floorMinSeconds: number;
  /** wanSeconds / floorSeconds. */
  ratio: number;
  /** wanMinSeconds / floorMinSeconds. */
  minRatio: number;
}

const busiest = (r: RoundSample) => Math.max(0, ...Object.values(r.bytes).map((b) => b.up + b.down));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The figures of one model from its loopback jobs and the jobs of one WAN fleet. */
export function modelRow(model: string, parameters: number, runs: { wan: JobRun[]; loop: JobRun[] }, link: { rttMs: number; mbps: number }): ModelRow {
  const loopRounds = runs.loop.flatMap((j) => j.rounds);
  const wanRounds = runs.wan.flatMap((j) => j.rounds);
  const loopbackSeconds = median(loopRounds.map((r) => r.seconds));
  const loopbackMinSeconds = min(loopRounds.map((r) => r.seconds));
  const wanSeconds = median(wanRounds.map((r) => r.seconds));
  const wanMinSeconds = min(wanRounds.map((r) => r.seconds));
  const busiestBytes = median(wanRounds.map(busiest));
  const meanBytes = median(wanRounds.map((r) => mean(Object.values(r.bytes).map((b) => b.up + b.down))));
  const uploadBytes = median(wanRounds.flatMap((r) => Object.values(r.bytes).map((b) => b.up)));
  const steps = median(wanRounds.map((r) => Math.max(...Object.values(r.tasks))));
  const upBursts = median(wanRounds.flatMap((r) => Object.values(r.upBursts)));
  const network = (steps * link.rttMs) / 1000 + (busiestBytes * 8) / (link.mbps * 1e6);
  const floorSeconds = loopbackSeconds + network;
  const floorMinSeconds = loopbackMinSeconds + network;
  return {
    model, parameters, loopbackSeconds, wanSeconds, loopbackMinSeconds, wanMinSeconds, busiestBytes, meanBytes, uploadBytes, steps, upBursts,
    floorSeconds, floorMinSeconds, ratio: wanSeconds / floorSeconds, minRatio: wanMinSeconds / floorMinSeconds,
  };
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/** The markdown table of the rows. */
export function wanTable(rows: ModelRow[], o: { rttMs: number; mbps: number; members: number; lossy: string; stall?: { forMs: number; everyMs: number } | undefined }): string {
  const lines = [
    `${o.members} members, each over its own link: RTT ${o.rttMs} ms, ${o.mbps} Mbit/s each way${o.stall ? `; ${o.lossy}'s link stalls ${o.stall.forMs} ms every ${o.stall.everyMs} ms` : ''}. Mutual TLS, roster, authenticated secure aggregation. Seconds per round: median (fastest).`,
    '',
    '| model, node | parameters | loopback | WAN | bytes/member/round (busiest, mean) | steps/round | uplink bursts/round | floor | WAN / floor | target ≤ 1.5 |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.parameters.toLocaleString('en-US')} | ${r.loopbackSeconds.toFixed(2)} (${r.loopbackMinSeconds.toFixed(2)}) | ${r.wanSeconds.toFixed(2)} (${r.wanMinSeconds.toFixed(2)}) | ${kb(r.busiestBytes)}, ${kb(r.meanBytes)} | ${r.steps} | ${r.upBursts} | ${r.floorSeconds.toFixed(2)} (${r.floorMinSeconds.toFixed(2)}) | ${r.ratio.toFixed(2)} (${r.minRatio.toFixed(2)}) | ${r.ratio <= WAN_TARGET ? 'yes' : '**no**'} |`,
    ),
    '',
    "floor = loopback time + steps × RTT + busiest member's bytes / bandwidth; uplink bursts are counted at the proxy (requests closer than RTT/4 count as one).",
    '',
    uploadTable(rows),
  ];
  return lines.join('\n');
}

/**
 * What a member uploads per round against the float32 size of the model (4 bytes per
 * parameter): the masked update is one 32-bit word per parameter (plus a few counters), and the
 * rest — keys, shares for its neighbours, signatures, the evaluation histograms, protobuf,
 * HTTP/2 and TLS framing — does not grow with the model.
 */
export function uploadTable(rows: ModelRow[]): string {
  return [
    '| model | float32 model | upload/member/round | upload − model | upload / model |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const model = 4 * r.parameters;
      return `| ${r.model} | ${kb(model)} | ${kb(r.uploadBytes)} | ${kb(r.uploadBytes - model)} | ${(r.uploadBytes / model).toFixed(3)} |`;
    }),
  ].join('\n');
}

/** The markdown table of the flow-control window comparison. */
export function windowTable(w: WindowBench): string {
  return [
    `| one ${(w.bytes / 1000).toFixed(0)} kB gRPC message | upload | download | floor (RTT + bytes / bandwidth) |`,
    '|---|---|---|---|',
    `| HTTP/2 windows 64 KiB (Node's default) | ${w.defaultWindow.uploadMs.toFixed(0)} ms | ${w.defaultWindow.downloadMs.toFixed(0)} ms | ${w.floorMs.toFixed(0)} ms |`,
    `| widened (proto/flow-control.ts) | ${w.wideWindow.uploadMs.toFixed(0)} ms | ${w.wideWindow.downloadMs.toFixed(0)} ms | ${w.floorMs.toFixed(0)} ms |`,
  ].join('\n');
}
