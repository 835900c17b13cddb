/**
 * The scoring service over real HTTP on 127.0.0.1 (port 0): health, scores equal to the
 * library's, and every refusal — a bad applicant (400 naming its index and field), an oversized
 * body (413), unknown paths (404), wrong methods (405), a missing token (401), non-JSON (415).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../participant/trainer/backend.ts';
import { applicantsFromObjects } from './applicants.ts';
import { TEST_SCHEMA, writeTestPackage } from './fixtures.ts';
import { loadModelPackage } from './package-load.ts';
import type { ModelPackage } from './package-load.ts';
import { scoreApplicants } from './score.ts';
import { startScoringService } from './service.ts';
import type { ScoringService } from './service.ts';

let root = '';
let pkg: ModelPackage;
let open: ScoringService;
let guarded: ScoringService;

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'fedcredit-service-'));
  await writeTestPackage(path.join(root, 'lr'), { type: 'logistic' });
  pkg = await loadModelPackage(path.join(root, 'lr'));
  open = await startScoringService({ model: pkg, port: 0, maxBodyBytes: 4096 });
  guarded = await startScoringService({ model: path.join(root, 'lr'), port: 0, token: 's3cret' });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
  rmSync(root, { recursive: true, force: true });
});

const post = (s: ScoringService, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const applicants = [
  { income: 100, age: 30, home: 'rent' },
  { income: null, age: 60, home: 'castle', note: 'ignored' },
];

describe('scoring service', () => {
  it('GET /healthz names the model and its inputs', async () => {
    const r = await fetch(`${open.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      ok: true, jobId: 'job-logistic', modelType: 'logistic', formatVersion: 1,
      featureNames: ['income', 'income__missing', 'age', 'home=own', 'home=rent', 'home=__other__', 'home=__missing__'], columns: ['income', 'age', 'home'],
    });
  });

  it('POST /v1/score returns the library\'s scores, points and reason codes', async () => {
    const r = await post(open, { applicants, reasons: 2 });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { jobId: string; scores: unknown[]; scaling: unknown };
    const lib = await scoreApplicants(pkg, applicantsFromObjects(applicants, TEST_SCHEMA).table, { reasons: 2, ids: ['0', '1'] });
    expect(body.jobId).toBe('job-logistic');
    expect(body.scaling).toEqual({ baseScore: 600, baseOdds: 50, pdo: 20 });
    expect(body.scores).toEqual(JSON.parse(JSON.stringify(lib.scores)));
    expect((body.scores[0] as { reasons: { feature: string }[] }).reasons.map((x) => x.feature)).toEqual(['income', 'home']);
  });

  it('400 names the applicant index and the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ applicants: [applicants[0], { income: 'lots', age: 30, home: 'own' }] }, /^applicants\[1\]\.income: expected a finite number, got "lots"$/],
      [{ applicants: [{ income: 1, home: 'own' }] }, /^applicants\[0\]\.age: the field is missing \(send null for a missing value\)$/],
      [{ applicants: [{ income: 1, age: 30, home: 7 }] }, /^applicants\[0\]\.home: expected a string \(one of the levels\), got number$/],
      [{ applicants: [] }, /^applicants: at least one applicant/],
      [{ applicant: applicants }, /applicant/],
      ['{"applicants": [', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await post(open, body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(message);
    }
  });

  it('413 above the body limit, 404 and 405 elsewhere, 415 for non-JSON', async () => {
    const big = { applicants: Array.from({ length: 200 }, () => applicants[0]) };
    expect((await post(open, big)).status).toBe(413);
    expect((await fetch(`${open.url}/v1/other`)).status).toBe(404);
    const wrong = await fetch(`${open.url}/v1/score`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await fetch(`${open.url}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await post(open, 'income=1', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('413 also for a chunked body that announces no length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${open.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(' '.repeat(1000));
      req.end('{}');
    });
    expect(status).toBe(413);
  });

  it('a service with a token refuses /v1/score without it (401) and accepts it', async () => {
    expect((await post(guarded, { applicants })).status).toBe(401);
    expect((await post(guarded, { applicants }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(guarded, { applicants }, { authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
  });
});
