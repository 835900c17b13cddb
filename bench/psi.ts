/**
 * Private set intersection throughput: both parties in this process sharing one worker pool
 * (one thread per core), n × n IDs of which 30 % are shared, checked against the plaintext
 * join. "hash" and "blind" are thread time per thread (they overlap); "cores busy" is this
 * process's CPU time over elapsed time, which shows when something else shared the machine.
 * Targets: 100 k × 100 k ≤ 10 s and 1 M × 1 M ≤ 120 s on this 2-core machine.
 *
 *   npx tsx bench/psi.ts [--sizes 100000,1000000]
 */
import { intersectPair } from '../participant/psi/intersect.ts';
import { PsiPool } from '../participant/psi/pool.ts';

export interface PsiBenchRow {
  n: number;
  shared: number;
  correct: boolean;
  seconds: { hash: number; blind: number; match: number; total: number };
  /** CPU time of this process (all threads) over elapsed time: below the core count, something else ran too. */
  cores: number;
  target: number;
}

const TARGETS = new Map([
  [100_000, 10],
  [1_000_000, 120],
]);

/** Runs one n × n intersection with 30 % overlap and checks it against the plaintext join. */
export async function runPsiBench(sizes: number[], log: (s: string) => void = () => undefined): Promise<PsiBenchRow[]> {
  const pool = new PsiPool();
  const rows: PsiBenchRow[] = [];
  try {
    for (const n of sizes) {
      const label = Array.from({ length: n }, (_, i) => `borrower-${i}`);
      // The feature party: the first 30 % of the label holder's IDs and 70 % others, interleaved.
      const shared = Math.floor(0.3 * n);
      const feature = Array.from({ length: n }, (_, i) => (i % 10 < 3 && Math.floor(i / 10) * 3 + (i % 10) < shared ? `borrower-${Math.floor(i / 10) * 3 + (i % 10)}` : `other-${i}`));
      log(`psi: ${n} × ${n} IDs ...`);
      const cpu = process.cpuUsage();
      const r = await intersectPair(label, feature, { salt: 'bench', pool });
      const used = process.cpuUsage(cpu);
      const cores = (used.user + used.system) / 1e6 / r.seconds.total;
      const fset = new Set(feature);
      const expected = label.filter((id) => fset.has(id)).length;
      const correct = r.counts.shared === expected && Array.from(r.labelRows).every((li, k) => feature[r.featureRows[k]!] === label[li]);
      rows.push({ n, shared: r.counts.shared, correct, seconds: r.seconds, cores, target: TARGETS.get(n) ?? Number.NaN });
      log(`psi: ${n} × ${n}: ${r.counts.shared} shared, ${r.seconds.total.toFixed(1)} s (hash ${r.seconds.hash.toFixed(1)}, blind ${r.seconds.blind.toFixed(1)}, match ${r.seconds.match.toFixed(1)}; ${cores.toFixed(2)} cores busy)`);
    }
  } finally {
    await pool.close();
  }
  return rows;
}

/** Markdown table of the results. */
export function psiTable(rows: PsiBenchRow[]): string {
  const lines = ['| IDs per party | shared | = plaintext join | hash s | blind s | match s | total s | cores busy | target s |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.n} | ${r.shared} | ${r.correct ? 'yes' : 'NO'} | ${r.seconds.hash.toFixed(1)} | ${r.seconds.blind.toFixed(1)} | ${r.seconds.match.toFixed(1)} | ${r.seconds.total.toFixed(1)} | ${r.cores.toFixed(2)} | ${Number.isNaN(r.target) ? '—' : r.target} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--sizes');
  const sizes = i > 0 ? (process.argv[i + 1] ?? '').split(',').map(Number) : [100_000];
  const rows = await runPsiBench(sizes, (s) => process.stderr.write(`${s}\n`));
  console.log(psiTable(rows));
}
