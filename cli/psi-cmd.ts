/**
 * `fedcredit psi`: aligns two parties' tables by a shared ID without revealing the IDs only one
 * holds (ECDH private set intersection, docs/psi.md). Both parties' steps run in this process
 * here — a tool to check that two files' IDs meet, and how many; the run between institutions
 * over the network is not built yet. Prints counts only, never IDs, and writes the aligned row
 * numbers of each file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { IdCanonicalization } from '../core/psi/ids.ts';
import { readCsvFile } from '../participant/data/csv.ts';
import { intersectPair } from '../participant/psi/intersect.ts';
import type { IntersectResult } from '../participant/psi/intersect.ts';
import { UsageError } from './errors.ts';

/** The values of `column` in a CSV file, one per data row; names the file and column when absent. */
export function idColumn(file: string, column: string): string[] {
  const csv = readCsvFile(file);
  const j = csv.header.indexOf(column);
  if (j < 0) throw new UsageError(`${file}: no column "${column}" (columns: ${csv.header.join(', ')})`);
  return csv.rows.map((r) => r[j] ?? '');
}

/** What `fedcredit psi` reports (counts, left-out rows as 1-based data row numbers, timing). */
export function psiReport(r: IntersectResult, files: { label: string; feature: string }): Record<string, unknown> {
  const side = (s: IntersectResult['label'], file: string, ids: number) => ({
    file, ids, empty: s.empty.count, malformed: s.malformed.count, duplicate: s.duplicate.count,
    firstLeftOutRows: { empty: s.empty.firstRows.map((x) => x + 1), malformed: s.malformed.firstRows.map((x) => x + 1), duplicate: s.duplicate.firstRows.map((x) => x + 1) },
  });
  return { shared: r.counts.shared, label: side(r.label, files.label, r.counts.label), feature: side(r.feature, files.feature, r.counts.feature), seconds: r.seconds };
}

export function registerPsiCommand(program: Command): void {
  program
    .command('psi')
    .description('align two CSV files by an ID column with private set intersection; prints counts only and writes the aligned row numbers')
    .requiredOption('--label-data <file.csv>', 'the label holder\'s file')
    .requiredOption('--label-id <column>', 'its ID column')
    .requiredOption('--feature-data <file.csv>', 'the feature party\'s file')
    .requiredOption('--feature-id <column>', 'its ID column')
    .option('--salt <text>', 'the consortium\'s salt (or --salt-file)')
    .option('--salt-file <file>', 'read the salt from this file (trailing newline ignored)')
    .addOption(new Option('--form <form>', 'canonical ID form').choices(['none', 'alnum', 'digits']).default('none'))
    .option('--no-case-fold', 'compare IDs case-sensitively')
    .requiredOption('--out <dir>', 'write label-rows.csv and feature-rows.csv here: line k of each is the same borrower')
    .option('--json', 'print the report as JSON', false)
    .action(async (o) => {
      const salt: string | undefined = o.saltFile ? readFileSync(o.saltFile, 'utf8').replace(/\r?\n$/, '') : o.salt;
      if (!salt) throw new UsageError('psi needs the consortium salt: --salt or --salt-file');
      const canonicalization: IdCanonicalization = { form: o.form, caseFold: o.caseFold };
      const r = await intersectPair(idColumn(o.labelData, o.labelId), idColumn(o.featureData, o.featureId), { salt, canonicalization });
      mkdirSync(o.out, { recursive: true });
      // 1-based data row numbers (the header is not counted), aligned line by line.
      const write = (name: string, rows: Uint32Array) => writeFileSync(path.join(o.out, name), `row\n${Array.from(rows, (x) => x + 1).join('\n')}${rows.length ? '\n' : ''}`);
      write('label-rows.csv', r.labelRows);
      write('feature-rows.csv', r.featureRows);
      const report = psiReport(r, { label: o.labelData, feature: o.featureData });
      if (o.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      const left = (s: IntersectResult['label']) => `${s.empty.count} empty, ${s.malformed.count} malformed, ${s.duplicate.count} repeated ID(s) left out`;
      console.log(`label holder: ${r.counts.label} IDs (${left(r.label)})`);
      console.log(`feature party: ${r.counts.feature} IDs (${left(r.feature)})`);
      console.log(`shared: ${r.counts.shared} (${((100 * r.counts.shared) / Math.max(1, r.counts.label)).toFixed(1)} % of the label holder's); ${r.seconds.total.toFixed(1)} s`);
      console.log(`aligned row numbers written to ${path.join(o.out, 'label-rows.csv')} and ${path.join(o.out, 'feature-rows.csv')}`);
    });
}
