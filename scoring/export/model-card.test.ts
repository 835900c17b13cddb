/**
 * The model card and the metadata reader: what the card states comes from metadata.json, HTML
 * escapes every value, and a model directory with missing or inconsistent fields is refused
 * with the file and field named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../../core/data/errors.ts';
import { JobSpecSchema } from '../../core/job.ts';
import type { JobSpec } from '../../core/job.ts';
import { boostLocally, localEdges } from '../../participant/trees/local-boosting.ts';
import { initBackend } from '../../participant/trainer/backend.ts';
import { exportJob, exportPreprocessing, exportRows, exportSchema, exportTable, exportWeights } from '../../test/support/export-fixture.ts';
import { writeSavedModel } from '../../test/support/model-package.ts';
import { tempDir } from '../../test/helpers.ts';
import { modelCard } from './model-card.ts';
import { modelCardHtml, modelCardMarkdown } from './model-card-render.ts';
import { readExportPackage } from './model-package.ts';

/** The DataError `fn` rejects with (fails the test when it resolves or rejects with something else). */
async function thrownBy(fn: () => Promise<unknown>, ctor: typeof DataError): Promise<DataError> {
  const e = await fn().then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ctor);
  return e as DataError;
}

const tmp = tempDir('card');
afterAll(() => tmp.cleanup());
beforeAll(() => initBackend());

const prep = exportPreprocessing(exportTable(exportRows(80)));
const hostile = '<script>alert("x")</script> & co';

async function saved(name: string, over: Partial<Parameters<typeof writeSavedModel>[1]> = {}): Promise<string> {
  const job = over.job ?? exportJob({ type: 'mlp', hidden: [4, 2], dropout: 0.1, activation: 'tanh' }, `card ${hostile}`);
  return writeSavedModel(path.join(tmp.dir, name), {
    jobId: 'job-card', job, schema: exportSchema, preprocessing: prep, weights: over.weights ?? exportWeights(job), guarantee: `secure aggregation ${hostile}`,
    rounds: [{ round: 5, participants: ['bank-a', hostile], metrics: { auc: 0.71234, ks: 0.3, gini: 0.42468, logLoss: 0.5, brier: 0.2, n: 120, positives: 31 } }],
    createdAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z', ...over,
  });
}

describe('model card', () => {
  it('states the model, features, training, metrics and privacy of metadata.json', async () => {
    const card = modelCardMarkdown(modelCard(await readExportPackage(await saved('plain'))));
    expect(card).toContain('multilayer perceptron, hidden layers \\[4, 2\\], tanh activation, dropout 0.1');
    expect(card).toMatch(/\| income \| numeric \| sign\(x\)·ln\(1 \+ \\\|x\\\|\); clipped to \\\[0, 12\\\]; standardized with mean [\d.]+, std [\d.]+ \| the mean, plus a 0\/1 missing indicator input \|/);
    expect(card).toContain('| 0.7123 | 0.3000 | 0.4247 | 0.5000 | 0.2000 | 120 | 31 |');
    expect(card).toContain(`| **Rows** | ${prep.n} |`);
    expect(card).toContain('| **Finished** | 2026-12-01T10:05:00.000Z |');
    expect(card).not.toContain('trained with');
    expect(card).not.toContain('<script>');
  });

  it('lists ε per member and the DP limitation for a DP job', async () => {
    const job = JobSpecSchema.parse({ ...exportJob({ type: 'logistic' }), aggregation: 'secagg', privacy: { mode: 'client', epsilon: 4 } });
    const dir = await saved('dp', { job, privacy: { 'bank-a': { epsilonJob: 3.91, epsilonTotal: 5.5, delta: 1e-5, } } });
    const card = modelCardMarkdown(modelCard(await readExportPackage(dir)));
    expect(card).toContain('| bank-a | 3.91 | 5.5 | 0.00001 |');
    expect(card).toContain('trained with client-level differential privacy: its weights carry calibrated noise');
    expect(card).toContain('client-level DP-FedAvg (distributed noise)');
  });

  it('describes a gbdt model\'s inputs as the trees read them: not standardized, missing values kept', async () => {
    const table = exportTable(exportRows(80));
    const job = exportJob({ type: 'gbdt', maxDepth: 2 });
    const spec = job.model as Extract<JobSpec['model'], { type: 'gbdt' }>;
    const edges = localEdges([table], exportSchema, spec);
    const dir = await saved('gbdt', { job, preprocessing: { ...prep, edges }, weights: boostLocally({ table, schema: exportSchema, spec, edges, trees: 2, seed: 1, name: 'm' }) });
    const card = modelCardMarkdown(modelCard(await readExportPackage(dir)));
    expect(card).toContain('gradient-boosted trees: 2 trees of depth ≤ 2');
    expect(card).toContain('| age | numeric | as is; clipped to \\[18, 80\\]; split on in these units (not standardized) | kept missing: each split learned which side missing values go to |');
    expect(card).not.toContain('standardized with');
    expect(card).toContain('Model inputs in order (11)');
  });

  it('escapes every value in the HTML page', async () => {
    const html = modelCardHtml(modelCard(await readExportPackage(await saved('html'))));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html.match(/&lt;script&gt;/g)?.length).toBeGreaterThanOrEqual(3); // title, member, guarantee
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(link|script|img)\b/);
  });
});

describe('readExportPackage', () => {
  it('reads the package format: tolerates extra fields, names the file and field of a bad one', async () => {
    const dir = await saved('bad');
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...meta, runSummary: { note: 'kept as is' } }));
    await expect(readExportPackage(dir)).resolves.toMatchObject({ model: { type: 'mlp' }, layers: [{ inputs: 12, units: 4 }, { inputs: 4, units: 2 }, { inputs: 2, units: 1 }] });
    writeFileSync(file, JSON.stringify({ ...meta, formatVersion: 2 }));
    expect((await thrownBy(() => readExportPackage(dir), DataError)).message).toMatch(/formatVersion: .*this reads package format 1/);
    writeFileSync(file, JSON.stringify({ ...meta, preprocessing: { ...meta.preprocessing, std: [1] } }));
    const e = await thrownBy(() => readExportPackage(dir), DataError);
    expect(e.message).toContain(file);
    expect(e.message).toContain('preprocessing has 3 means and 1 stds for 3 numeric features');
    writeFileSync(file, JSON.stringify({ ...meta, job: { ...meta.job, model: { type: 'forest' } } }));
    expect((await thrownBy(() => readExportPackage(dir), DataError)).message).toMatch(/job\.model(\.type)?: /);
  });

  it('cuts the flat weights into the dense layers in the saved order', async () => {
    const job = exportJob({ type: 'mlp', hidden: [4, 2], dropout: 0.1, activation: 'tanh' });
    const weights = exportWeights(job);
    const pkg = await readExportPackage(await saved('layers', { job, weights }));
    const flat = pkg.layers.flatMap((l) => [...l.kernel, ...l.bias]);
    expect(flat).toEqual([...weights]);
    expect(pkg.layers.map((l) => [l.kernel.length, l.bias.length])).toEqual([[48, 4], [8, 2], [2, 1]]);
  });

  it('refuses weights that do not fit the schema', async () => {
    const dir = await saved('shape');
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...meta, job: { ...meta.job, model: { ...meta.job.model, hidden: [3, 2] } } }));
    expect((await thrownBy(() => readExportPackage(dir), DataError)).message).toMatch(/model\.json: the model does not match the job in metadata\.json: .*\[12,3\]/);
  });

  it('says what is missing when the directory is not a model', async () => {
    expect((await thrownBy(() => readExportPackage(tmp.dir), DataError)).message).toMatch(/metadata\.json: not found: .* is not a model package/);
  });
});
