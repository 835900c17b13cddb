/**
 * Progress display for job runs: a cli-progress bar on stderr (only on a TTY) and one line per
 * completed round on stdout (or stderr when stdout carries JSON).
 */
import cliProgress from 'cli-progress';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import type { RoundReport__Output } from '../proto/generated/fedcredit/v1/RoundReport.ts';

/** A metric for people: `d` decimals, or "—" when undefined (e.g. a noised evaluation whose class totals came out empty). */
export const fmt = (x: number | undefined, d = 4) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** One human-readable line for a completed round. */
export function roundLine(r: RoundReport__Output, total: number): string {
  const m = r.metrics;
  const width = String(total).length;
  return (
    `round ${String(r.round).padStart(width)}/${total}  participants ${r.participants.length}  ` +
    `AUC ${fmt(m?.auc)}  KS ${fmt(m?.ks)}  loss ${fmt(m?.logLoss)}  ${r.seconds.toFixed(1)}s` +
    (r.secure && r.secure.clipped > 0 ? `  clipped ${r.secure.clipped}` : '') +
    (r.clientDp ? `  S ${Number(r.clientDp.clipNorm.toPrecision(3))}` + (r.clientDp.adaptive ? ` (unclipped ${r.clientDp.unclippedFraction.toFixed(2)})` : '') : '') +
    (r.privacy[0] ? `  ε ${Math.max(...r.privacy.map((p) => p.epsilonJob)).toFixed(2)} (δ ${r.privacy[0].delta})` : '') +
    (r.failures.length ? `  (${r.failures.length} failure(s): ${r.failures.map((f) => `${f.participant}: ${f.reason}`).join('; ')})` : '')
  );
}

/**
 * How long each step of a round's secure sum took, as one line ("secure sum steps: advertise-keys
 * 2.25 s, …"), or undefined when the round was not securely aggregated or has no step timings.
 */
export function secureStepsLine(r: Pick<RoundReport__Output, 'round' | 'secure'>): string | undefined {
  const steps = r.secure?.steps ?? [];
  if (steps.length === 0) return undefined;
  const total = steps.reduce((a, x) => a + x.seconds, 0);
  const ahead = r.secure?.keysSetUpIn ? `; keys set up during round ${r.secure.keysSetUpIn}'s sum` : '';
  return `round ${r.round} secure sum steps: ${steps.map((x) => `${x.step} ${x.seconds.toFixed(2)} s`).join(', ')} (${total.toFixed(2)} s in all${ahead})`;
}

/** Renders job events as they arrive. */
export class JobProgress {
  private bar?: cliProgress.SingleBar;

  constructor(private readonly total: number, private readonly out: (line: string) => void, tty = Boolean(process.stderr.isTTY)) {
    if (tty) {
      this.bar = new cliProgress.SingleBar(
        { format: ' {bar} {value}/{total} rounds | {stage}', stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { stage: 'starting' });
    }
  }

  /** Handles one event from WatchJob. */
  onEvent(e: JobEvent__Output): void {
    const s = e.status;
    if (e.round) {
      const line = e.round.round === 0 ? `baseline (initial model): AUC ${fmt(e.round.metrics?.auc)}  loss ${fmt(e.round.metrics?.logLoss)}` : roundLine(e.round, this.total);
      if (this.bar) this.bar.stop();
      this.out(line);
      if (this.bar) this.bar.start(this.total, s?.roundsCompleted ?? 0, { stage: s?.stage ?? '' });
    } else if (this.bar && s) this.bar.update(s.roundsCompleted, { stage: s.stage });
    if (!e.round && e.message && (/failed|refused/.test(e.message) || e.message.startsWith('warning: '))) this.out(`! ${e.message}`);
  }

  /** Removes the bar. */
  done(): void {
    this.bar?.stop();
  }
}
