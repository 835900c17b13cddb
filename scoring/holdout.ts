/**
 * The rows federated evaluation scored: each member holds out its own rows for a job by the split
 * its node uses (participant/local-handler.ts `holdoutRows`, the row-wise hash of
 * core/data/split.ts seeded by the job's seed and the member's name). Whoever holds every
 * member's file — a simulation harness, an example — can write those rows out with
 * {@link writeHeldOutRows} and score them with the saved model: the AUC then equals the
 * coordinator's, computed from the members' summed histograms.
 */
import { writeFileSync } from 'node:fs';
import { dataError } from '../core/data/errors.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import type { JobSpec } from '../core/job.ts';
import { readCsvFile } from '../participant/data/csv.ts';
import { holdoutRows } from '../participant/local-handler.ts';
import { csvField } from './scores-csv.ts';

/** A member of the job and its data file. */
export interface MemberFile {
  name: string;
  file: string;
}

/** What {@link writeHeldOutRows} wrote. */
export interface HeldOutRows {
  file: string;
  rows: number;
  positives: number;
  perMember: Record<string, { rows: number; positives: number }>;
}

/**
 * Writes the union of the members' held-out rows of `job` to `outFile` (CSV, the members' common
 * header, their raw cells unchanged, members in the order given). Every member file must have the
 * same header; each is validated against `schema` exactly as its node loads it.
 */
export function writeHeldOutRows(members: readonly MemberFile[], job: Pick<JobSpec, 'seed' | 'evaluation'>, schema: DataSchema, outFile: string): HeldOutRows {
  let header: string[] | undefined;
  const lines: string[] = [];
  const perMember: HeldOutRows['perMember'] = {};
  let positives = 0;
  for (const m of members) {
    const csv = readCsvFile(m.file);
    if (header === undefined) {
      header = csv.header;
      lines.push(header.map(csvField).join(','));
    } else if (csv.header.join('\u0000') !== header.join('\u0000')) {
      throw dataError({ file: m.file, line: 1 }, `the header differs from ${members[0]!.file}'s; the held-out rows of all members go in one file`);
    }
    const { table } = validateTable(csv.header, csv.rows, schema, m.file, { lines: csv.lines });
    const test = holdoutRows(table, m.name, job.seed, job.evaluation.holdout).test;
    let pos = 0;
    for (const i of test) {
      lines.push(csv.rows[i]!.map(csvField).join(','));
      pos += table.labels[i]!;
    }
    perMember[m.name] = { rows: test.length, positives: pos };
    positives += pos;
  }
  writeFileSync(outFile, lines.join('\n') + '\n');
  return { file: outFile, rows: lines.length - 1, positives, perMember };
}
