/**
 * Scoring reproduces federated evaluation: a small job runs on the in-process simulator (real
 * engine, secure aggregation and participant handler chains), its model is saved as a package,
 * the members' held-out rows are written by their own split (`writeHeldOutRows`), and scoring
 * them — through the library and through the `fedcredit score` command — gives the AUC the
 * coordinator computed from the members' summed histograms, within 1e-6. Once for an MLP whose
 * job personalizes (so members also keep validation rows out of training) and once for gbdt.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { writeHeldOutRows } from '../scoring/holdout.ts';
import { loadModelPackage } from '../scoring/package-load.ts';
import { writeModelPackage } from '../scoring/package-write.ts';
import { scoreCsvFile } from '../scoring/score.ts';
import { simulate } from '../sim/simulate.ts';
import { BIN, runCli, SYNTHETIC_SCHEMA, syntheticParties, tempDir } from './helpers.ts';

const tmp = tempDir('scoring');
afterAll(() => tmp.cleanup());
const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
const parties = syntheticParties(tmp.dir, 0.25, 9);
const members = parties.map((p) => ({ name: p.name, file: p.path }));

const JOBS = {
  mlp: {
    model: { type: 'mlp', hidden: [6] }, rounds: 3, train: { batchSize: 64, learningRate: 0.05, optimizer: 'adam' },
    personalization: { mode: 'finetune', folds: 2, maxEpochs: 2, patience: 1, blend: false }, evaluation: { holdout: 0.3, bins: 500 },
  },
  gbdt: { model: { type: 'gbdt', maxDepth: 2, learningRate: 0.3 }, rounds: 3, evaluation: { holdout: 0.25, bins: 200 } },
};

describe('scoring the held-out rows reproduces the coordinator\'s AUC', () => {
  for (const [label, spec] of Object.entries(JOBS)) {
    it(`${label}: library and CLI within 1e-6 of the federated evaluation`, async () => {
      const job = JobSpecSchema.parse({ name: `score-${label}`, minParticipants: 4, seed: 11, ...spec });
      const dir = path.join(tmp.dir, label);
      const result = await simulate({ job, schema, stateDir: path.join(dir, 'state'), seed: 3, parties: parties.map((p) => ({ name: p.name, table: loadTable(p.path, schema).table })) });
      expect(result.state, result.error).toBe('SUCCEEDED');
      const final = result.rounds.at(-1)!.metrics;
      const modelDir = path.join(dir, 'model');
      await writeModelPackage(modelDir, {
        jobId: result.jobId, job, schema, preprocessing: result.preprocessing!, weights: result.weights!, guarantee: result.guarantee,
        aggregation: job.aggregation, members: parties.map((p) => p.name), metrics: final,
      });
      const holdout = writeHeldOutRows(members, job, schema, path.join(dir, 'holdout.csv'));
      expect(holdout.rows).toBe(final.n);
      expect(holdout.positives).toBe(final.positives);

      const lib = await scoreCsvFile(await loadModelPackage(modelDir), holdout.file, { reasons: 2 });
      expect(lib.metrics!.n).toBe(final.n);
      expect(Math.abs(lib.metrics!.auc - final.auc)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(lib.metrics!.ks - final.ks)).toBeLessThanOrEqual(1e-6);

      const out = path.join(dir, 'scores.csv');
      const cli = await runCli(['score', '--model', modelDir, '--data', holdout.file, '--json', '--reasons', '2', '--out', out]);
      expect(cli.code, cli.stderr).toBe(0);
      const printed = JSON.parse(cli.stdout) as { metrics: { auc: number; n: number }; scores: { probability: number }[] };
      expect(Math.abs(printed.metrics.auc - final.auc)).toBeLessThanOrEqual(1e-6);
      expect(printed.scores.map((s) => s.probability)).toEqual(lib.scores.map((s) => s.probability));
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('id,probability,points,reason_1,reason_1_value,reason_1_points,reason_2,reason_2_value,reason_2_points');
      expect(lines).toHaveLength(final.n + 1);
    });
  }
});

// Uses the gbdt package, held-out rows and scores.csv the test above wrote (tests in a file run in order).
describe('fedcredit serve and score on the command line', () => {
  it('serve prints its address and answers with the scores of fedcredit score; score refuses a bad file naming line and column', async () => {
    const modelDir = path.join(tmp.dir, 'gbdt', 'model');
    const tokenFile = path.join(tmp.dir, 'token');
    writeFileSync(tokenFile, 'tok-123\n');
    const child = spawn(process.execPath, [BIN, 'serve', '--model', modelDir, '--port', '0', '--token-file', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const lines = readFileSync(path.join(tmp.dir, 'gbdt', 'holdout.csv'), 'utf8').trim().split('\n');
      const header = lines[0]!.split(',');
      const first = Object.fromEntries(header.map((h, i) => [h, lines[1]!.split(',')[i]]));
      const applicant = Object.fromEntries(
        [...schema.numeric.map((f) => [f.name, first[f.name] === '' ? null : Number(first[f.name])]), ...schema.categorical.map((f) => [f.name, first[f.name]])],
      );
      const post = (auth: string) => fetch(`${url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ applicants: [applicant] }) });
      expect((await post('Bearer nope')).status).toBe(401);
      const r = await post('Bearer tok-123');
      expect(r.status).toBe(200);
      const body = (await r.json()) as { scores: { probability: number }[] };
      const scored = readFileSync(path.join(tmp.dir, 'gbdt', 'scores.csv'), 'utf8').trim().split('\n')[1]!.split(',');
      expect(body.scores[0]!.probability).toBeCloseTo(Number(scored[1]), 8);
    } finally {
      child.kill('SIGTERM');
    }
    const bad = path.join(tmp.dir, 'bad.csv');
    writeFileSync(bad, readFileSync(parties[0]!.path, 'utf8').replace(/\n([^,\n]*),/, '\n$1x,'));
    const r = await runCli(['score', '--model', modelDir, '--data', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv line 2, column "[a-z_0-9]+": /);
  });
});
