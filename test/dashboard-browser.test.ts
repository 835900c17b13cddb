/**
 * The coordinator's dashboard in headless Chromium, over the real job manager of an in-process
 * consortium (sim/simulate.ts) whose members hold the job before round 2 until the test has
 * looked. Without the operator token the server answers 401 and the page holds no data; with it
 * (given once as ?token=, then a session cookie) the page follows the running job: its round
 * counter and its AUC curve grow while the job runs, and end at the job's own figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedTokens } from '../coordinator/dashboard-auth.ts';
import { startDashboard } from '../coordinator/dashboard-server.ts';
import type { DashboardHandle } from '../coordinator/dashboard-server.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { Mod } from '../participant/handler.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { startSimulation } from '../sim/simulate.ts';
import type { Simulation } from '../sim/simulate.ts';
import { operatorTokenHash } from '../trust/files.ts';
import { SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { browserPlan, collectErrors, launchChromium, plottedPixels, screenshot } from './support/chromium.ts';
import { syntheticTables } from './support/simulated.ts';

const TOKEN = 'dashboard-test-operator-token-0123456789';
const ROUNDS = 3;
const plan = browserPlan();
/**
 * The job holds before round 3's training until the test has seen the page show the earlier
 * rounds (`release`), so the page is seen both during the job and after it, however fast the
 * machine. Rounds 0 and 1 are shown by then: round 2's record waits for its evaluation, which
 * round 3's training carries.
 */
let release: () => void = () => {};
const released = new Promise<void>((r) => {
  release = r;
});
const gate: Mod = (next) => async (task) => {
  if (task.kind === 'train' && task.round === 3) await released;
  return next(task);
};

describe.runIf(!plan.run && plan.mustFail)('dashboard in Chromium (required)', () => {
  it('needs Chromium (FEDCREDIT_REQUIRE_CHROMIUM=1)', () => {
    throw new Error(`browser tests required but cannot run: ${plan.run ? '' : plan.reason}`);
  });
});

describe.skipIf(!plan.run)('dashboard in Chromium', () => {
  const tmp = tempDir('dashboard');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  let sim: Simulation;
  let dash: DashboardHandle;

  beforeAll(async () => {
    const parties = syntheticTables(schema).map((p) => ({ ...p, mods: [gate], privacyBudget: { epsilon: 1_000_000, delta: 1e-5 } }));
    sim = await startSimulation({ schema, parties, stateDir: tmp.dir, seed: 9 });
    const participants = () => sim.grid.available().map((name) => ({ name, role: 'other', connected: true, lastSeenUnixMs: 0 }));
    // The operators a roster would list: the Control API's tokens open the dashboard.
    dash = await startDashboard({ port: 0, tokens: acceptedTokens([{ name: 'ops', tokenSha256: operatorTokenHash(TOKEN) }]), source: { jobs: sim.jobs, participants } });
  });
  afterAll(async () => {
    release(); // a failed test must not leave the job held
    await dash?.stop();
    tmp.cleanup();
  });

  it('refuses without the token (401, no data) and follows a running job with it', async () => {
    const browser = await launchChromium(plan.run ? plan.executablePath : '');
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
      const page = await context.newPage();
      const errors = collectErrors(page);

      // No token, a wrong token, the API without credentials: 401 and nothing of the job.
      // Client-level DP (distributed noise): every member signs a receipt each round, for the ε chart.
      const job = JobSpecSchema.parse({
        name: 'dashboard-live-job', rounds: ROUNDS, minParticipants: 3, seed: 4, evaluation: { bins: 100 },
        privacy: { mode: 'client', noise: 'distributed', noiseMultiplier: 0.3, clipNorm: 1, delta: 1e-5 },
      });
      const running = sim.run(job);
      for (const url of [dash.url, `${dash.url}?token=wrong-token-wrong-token`]) {
        const res = await page.goto(url);
        expect(res!.status(), url).toBe(401);
        expect(await page.$('#round-counter')).toBeNull();
        expect(await page.content()).not.toContain('dashboard-live-job');
      }
      const api = await page.request.get(`${dash.url}api/state`);
      expect(api.status()).toBe(401);
      expect(await api.text()).not.toContain('dashboard-live-job');
      expect((await page.request.post(`${dash.url}api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status()).toBe(405);
      const bearer = await page.request.get(`${dash.url}api/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(bearer.status()).toBe(200);
      expect(bearer.headers()['cache-control']).toBe('no-store');

      errors.length = 0; // the refusals above log their 401s; from here on the page must run clean
      // With the token: a session cookie (HttpOnly, SameSite=Strict), the token gone from the address.
      const res = await page.goto(`${dash.url}?token=${TOKEN}`);
      expect(res!.status()).toBe(200);
      expect(page.url()).toBe(dash.url);
      expect(res!.headers()['content-security-policy']).toContain("default-src 'none'");
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'fedcredit_dashboard', httpOnly: true, sameSite: 'Strict' });
      expect(cookie!.value).not.toContain(TOKEN);

      // The curve grows while the job runs.
      const points = async () => Number((await page.getAttribute('#chart-live-metrics', 'data-points')) ?? 0);
      await expect.poll(points, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);
      const early = await points();
      const earlyCounter = await page.textContent('#round-counter');
      expect(await page.textContent('#job-state')).toBe('RUNNING');
      expect(early).toBeLessThan(ROUNDS + 1);
      release();
      const result = await running;
      process.stdout.write(`dashboard test: job of ${ROUNDS} rounds took ${result.seconds.toFixed(1)} s; ${early} point(s) seen while running (${earlyCounter})\n`);
      expect(result.state, result.error).toBe('SUCCEEDED');
      await page.waitForSelector(`#chart-live-metrics[data-points="${ROUNDS + 1}"]`, { timeout: 5_000 });
      expect(await points()).toBeGreaterThan(early);
      expect(earlyCounter).not.toBe(`${ROUNDS} / ${ROUNDS}`);
      await expect.poll(() => page.textContent('#round-counter'), { timeout: 5_000, interval: 100 }).toBe(`${ROUNDS} / ${ROUNDS}`);
      expect(await page.textContent('#job-state')).toBe('SUCCEEDED');
      expect(await page.textContent('#last-auc')).toBe(result.rounds.at(-1)!.metrics.auc.toFixed(4));
      expect(await page.textContent('#participants-online')).toBe('4 of 4');
      expect(await plottedPixels(page, 'chart-live-metrics')).toBeGreaterThan(50);
      expect(await plottedPixels(page, 'chart-live-epsilon')).toBeGreaterThan(50);
      const state = (await (await page.request.get(`${dash.url}api/state`)).json()) as { current: { epsilon: { perMember: Record<string, (number | null)[]> } } };
      for (const name of result.status.participants) {
        const receipts = result.status.rounds.flatMap((r) => r.privacy.filter((p) => p.participant === name).map((p) => p.epsilonJob));
        expect(state.current.epsilon.perMember[name]!.at(-1), name).toBe(Math.max(...receipts));
      }
      expect(errors).toEqual([]);
      await screenshot(page, 'dashboard.png');
    } finally {
      await browser.close();
    }
  });
});
