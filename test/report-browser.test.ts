/**
 * The HTML job report of a real small job. Without a browser: the job's stored histogram comes
 * back over the Control API of a coordinator started on the simulation's state dir, and the
 * `fedcredit report` command writes the same report from it. In headless Chromium: a client-level DP job
 * (distributed noise, so members sign receipts every round while the evaluation histograms stay
 * exact) on the in-process simulator. The page must load without a console error or a blocked
 * resource, draw every chart, show the job's own numbers, embed data from which the AUC can be
 * recomputed independently (the area under the embedded ROC curve), and render a hostile job
 * name as text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFromCoordinator, writeJobReport } from '../cli/report-cmd.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { createLogger } from '../platform/log.ts';
import { operatorTokenHash } from '../trust/files.ts';
import { RosterSchema } from '../trust/format.ts';
import { areaUnder } from '../cli/report-html/curves.ts';
import type { JobReportData } from '../cli/report-html/report-data.ts';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { simulate } from '../sim/simulate.ts';
import type { SimulationResult } from '../sim/simulate.ts';
import { runCli, SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { browserPlan, collectErrors, launchChromium, plottedPixels, screenshot } from './support/chromium.ts';
import { syntheticTables } from './support/simulated.ts';

const HOSTILE = 'report <img src=x onerror="window.__owned=1"> & </script> "q"';
const CHARTS = ['chart-metrics', 'chart-roc', 'chart-ks', 'chart-distribution', 'chart-calibration', 'chart-epsilon'];
const plan = browserPlan();

describe.runIf(!plan.run && plan.mustFail)('job report in Chromium (required)', () => {
  it('needs Chromium (FEDCREDIT_REQUIRE_CHROMIUM=1)', () => {
    throw new Error(`browser tests required but cannot run: ${plan.run ? '' : plan.reason}`);
  });
});

const tmp = tempDir('report');
let result: SimulationResult;
let file: string;

beforeAll(async () => {
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const parties = syntheticTables(schema).map((p) => ({ ...p, privacyBudget: { epsilon: 1_000_000, delta: 1e-5 } }));
  const job = JobSpecSchema.parse({
    name: HOSTILE, rounds: 2, minParticipants: 3, seed: 3, evaluation: { bins: 200 }, train: { batchSize: 32, learningRate: 0.2, localEpochs: 1 },
    privacy: { mode: 'client', noise: 'distributed', noiseMultiplier: 0.3, clipNorm: 1, delta: 1e-5 },
  });
  result = await simulate({ job, schema, parties, stateDir: tmp.dir, seed: 3 });
  file = writeJobReport(path.join(tmp.dir, 'report.html'), result.status, { source: 'report-browser.test.ts' });
});
afterAll(() => tmp.cleanup());

const embedded = (html: string) => {
  const { generatedAt: _, source: __, ...rest } = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as JobReportData;
  return rest;
};

describe('job report from the stored job', () => {
  it('the coordinator reads the histogram back from disk; report (library and CLI) over the Control API equals the in-process one', async () => {
    expect(result.state, result.error).toBe('SUCCEEDED');
    const token = 'report-test-operator-token-0123456789';
    const roster = RosterSchema.parse({
      format: 'fedcredit-roster', version: 1, consortium: 'report-test', members: result.roster!.members, operators: [{ name: 'ops', tokenSha256: operatorTokenHash(token) }],
    });
    // A coordinator on the simulation's job store: the finished job is read from its files.
    const c = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coordinator'), roster, logger: createLogger('coordinator', 'silent') });
    try {
      const viaApi = await reportFromCoordinator({ coordinator: c.address, jobId: result.jobId, out: path.join(tmp.dir, 'api.html'), control: { token } });
      const last = viaApi.status.rounds.at(-1)!;
      expect(last.scoreHistogram).toEqual(result.status.rounds.at(-1)!.scoreHistogram);
      expect(viaApi.status.rounds.filter((r) => r.scoreHistogram !== null)).toHaveLength(1);
      expect(embedded(readFileSync(viaApi.file, 'utf8'))).toEqual(embedded(readFileSync(file, 'utf8')));
      const tokenFile = path.join(tmp.dir, 'token');
      writeFileSync(tokenFile, token);
      const cli = await runCli(['report', '--coordinator', c.address, '--job', result.jobId, '--out', path.join(tmp.dir, 'cli.html'), '--insecure', '--token-file', tokenFile]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain(path.join(tmp.dir, 'cli.html'));
      expect(embedded(readFileSync(path.join(tmp.dir, 'cli.html'), 'utf8'))).toEqual(embedded(readFileSync(file, 'utf8')));
    } finally {
      await c.stop();
    }
  });
});

describe.skipIf(!plan.run)('job report in Chromium', () => {
  it('loads with no console error, draws every chart, and shows the job\'s numbers', async () => {
    expect(result.state, result.error).toBe('SUCCEEDED');
    const status = result.status;
    const final = [...status.rounds].reverse().find((r) => r.metrics && r.metrics.n > 0)!;
    expect(final.scoreHistogram?.bins).toBe(200);
    const browser = await launchChromium(plan.run ? plan.executablePath : '');
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = collectErrors(page);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-charts]', { timeout: 10_000 });
      expect(errors).toEqual([]);
      // Only the file itself was loaded: nothing remote, nothing else local.
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(await page.getAttribute('body', 'data-charts')).toBe(String(CHARTS.length));
      for (const id of CHARTS) expect(await plottedPixels(page, id), id).toBeGreaterThan(50);

      expect(await page.textContent('#final-auc')).toBe(final.metrics!.auc.toFixed(4));
      expect(await page.textContent('#final-ks')).toBe(final.metrics!.ks.toFixed(4));
      expect(await page.textContent('#job-rounds')).toBe(`${status.roundsCompleted} / ${status.roundsTotal}`);
      expect(status.roundsCompleted).toBe(2);
      expect(await page.textContent('#guarantee')).toBe(status.guarantee);
      // Each member's ε for the job: its largest receipt, to three decimals, in the members table.
      for (const name of status.participants) {
        const eps = Math.max(...status.rounds.flatMap((r) => r.privacy.filter((p) => p.participant === name).map((p) => p.epsilonJob)));
        const row = await page.$$eval('#members tbody tr', (rows, n) => rows.find((r) => r.cells[0]?.textContent === n)?.cells[3]?.textContent, name);
        expect(row, name).toBe(eps.toFixed(3));
      }

      // The hostile name is text: in the title and heading, and no element or script came of it.
      expect(await page.title()).toContain(HOSTILE);
      expect(await page.$$('img')).toHaveLength(0);
      expect(await page.evaluate('window.__owned')).toBeUndefined();

      // The embedded data: the area under its ROC curve (trapezoids) is the AUC the coordinator
      // computed (Mann–Whitney over the histogram's bins, ties at half credit).
      const data = JSON.parse((await page.textContent('#report-data'))!) as JobReportData;
      expect(data.job.name).toBe(HOSTILE);
      expect(data.final!.auc).toBe(final.metrics!.auc);
      expect(areaUnder(data.curves!.roc)).toBeCloseTo(final.metrics!.auc, 10);
      expect(data.curves!.ks.ks).toBeCloseTo(final.metrics!.ks, 10);
      expect(data.histogram!.negatives.reduce((a, x) => a + x, 0) + data.histogram!.positives.reduce((a, x) => a + x, 0)).toBe(final.metrics!.n);
      expect(readFileSync(file, 'utf8')).not.toMatch(/<img/);
      await screenshot(page, 'report.png');
    } finally {
      await browser.close();
    }
  });
});
