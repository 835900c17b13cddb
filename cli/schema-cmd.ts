/** `fedcredit schema infer`: a starting schema from a sample file, to review before use. */
import { writeFileSync } from 'node:fs';
import { inferSchema } from '../core/data/infer.ts';
import { readCsvFile } from '../participant/data/csv.ts';

/** Options of `schema infer`. */
export interface InferCmdOptions {
  label: string;
  positive: string;
  maxLevels: number;
  out?: string;
}

/** Infers and prints (or writes) the schema; notes go to stderr. */
export function inferCommand(file: string, o: InferCmdOptions): void {
  const { header, rows } = readCsvFile(file);
  const { schema, notes } = inferSchema(header, rows, { label: o.label, positive: o.positive, maxLevels: o.maxLevels });
  const text = JSON.stringify(schema, null, 2) + '\n';
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  if (o.out) {
    writeFileSync(o.out, text);
    process.stderr.write(`schema written to ${o.out} (${schema.numeric.length} numeric, ${schema.categorical.length} categorical features); review it before use\n`);
  } else process.stdout.write(text);
}
