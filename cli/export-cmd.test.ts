import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import { exportCommand } from './export-cmd.ts';
import type { ExportCommandOptions } from './export-cmd.ts';

const base: ExportCommandOptions = { model: '/nonexistent-model-dir', format: 'onnx', scorecardFormat: 'csv', cardFormat: 'md' };
const run = (o: Partial<ExportCommandOptions>) => exportCommand({ ...base, ...o }, () => {}, () => {});

describe('fedcredit export flags', () => {
  it('refuses points scaling for anything but a scorecard, before reading the model', async () => {
    await expect(run({ pdo: 10 })).rejects.toThrow(UsageError);
    await expect(run({ format: 'card', baseScore: 500 })).rejects.toThrow('--base-score, --base-odds and --pdo apply to --format scorecard only');
  });

  it('refuses a scaling that cannot be, naming the flag', async () => {
    await expect(run({ format: 'scorecard', pdo: -20 })).rejects.toThrow(/points scaling: --pdo: /);
    await expect(run({ format: 'scorecard', baseOdds: 0 })).rejects.toThrow(/points scaling: --base-odds: /);
  });
});
