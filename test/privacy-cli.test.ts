/**
 * `fedcredit privacy epsilon|noise` through the real CLI. Each spawn costs ~2 s (tsx start-up), so
 * the tests run concurrently.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';

const DELTA = 1e-5;

/** (ε, δ) of an (α, ρ)-RDP mechanism by the improved conversion (Balle et al. 2020), written out here. */
const convert = (alpha: number, rho: number, delta: number) =>
  rho + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);

// biome-ignore lint/suspicious/noExplicitAny: the CLI prints JSON whose fields the assertions below read directly
async function json(args: string[]): Promise<Record<string, any>> {
  const r = await runCli([...args, '--json'], 30_000);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.concurrent('fedcredit privacy', () => {
  it('epsilon: q = 1, one step is the Gaussian mechanism — closed form α/(2z²) at the optimal order', async () => {
    const z = 3;
    const r = await json(['privacy', 'epsilon', '--noise-multiplier', String(z), '--sample-rate', '1', '--steps', '1', '--delta', String(DELTA)]);
    expect(Object.keys(r).sort()).toEqual(
      ['delta', 'epsilon', 'mechanism', 'noiseMultiplier', 'order', 'orders', 'sampleRate', 'steps', 'stepsFrom'].sort(),
    );
    expect(r).toMatchObject({ mechanism: 'poisson-subsampled-gaussian', noiseMultiplier: z, sampleRate: 1, steps: 1, stepsFrom: 'steps', delta: DELTA });
    const expected = convert(r.order, r.order / (2 * z * z), DELTA);
    expect(Math.abs(r.epsilon - expected)).toBeLessThan(1e-12 * expected);
    // ...and the reported order is the best of the reported grid.
    const orders = r.orders as number[];
    expect(orders.length).toBeGreaterThan(50);
    expect(orders).toContain(r.order);
    for (const a of orders) expect(convert(a, a / (2 * z * z), DELTA)).toBeGreaterThanOrEqual(expected - 1e-12);
  });

  it('epsilon: --rounds/--epochs count rounds × epochs × round(1/q) steps, same ε as --steps', async () => {
    const common = ['--noise-multiplier', '1.1', '--sample-rate', '0.032', '--delta', String(DELTA)];
    const [byRounds, bySteps] = await Promise.all([
      json(['privacy', 'epsilon', ...common, '--rounds', '5', '--epochs', '2']),
      json(['privacy', 'epsilon', ...common, '--steps', String(5 * 2 * 31)]),
    ]);
    expect(byRounds).toMatchObject({ steps: 310, stepsFrom: 'rounds-epochs', rounds: 5, epochs: 2, stepsPerEpoch: 31 });
    expect(bySteps.stepsFrom).toBe('steps');
    expect(byRounds.epsilon).toBe(bySteps.epsilon);
    expect(byRounds.order).toBe(bySteps.order);
  });

  it('noise then epsilon round-trips: the printed z meets the target, a slightly smaller one does not', async () => {
    const common = ['--sample-rate', '0.01', '--rounds', '20', '--epochs', '1', '--delta', String(DELTA)];
    const [cal, text] = await Promise.all([
      json(['privacy', 'noise', '--epsilon', '1', ...common]),
      runCli(['privacy', 'noise', '--epsilon', '1', ...common], 30_000),
    ]);
    expect(Object.keys(cal).sort()).toEqual(
      ['delta', 'epochs', 'epsilon', 'mechanism', 'noiseMultiplier', 'order', 'orders', 'rounds', 'sampleRate', 'steps',
        'stepsFrom', 'stepsPerEpoch', 'targetEpsilon', 'tolerance'].sort(),
    );
    expect(cal).toMatchObject({ targetEpsilon: 1, steps: 2000, stepsFrom: 'rounds-epochs' });
    expect(cal.epsilon).toBeLessThanOrEqual(1);
    expect(cal.epsilon).toBeGreaterThan(0.999);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^noise multiplier\s+z = [\d.]+ /m);
    expect(text.stdout).toMatch(/^epsilon\s+0\.99\d* ≤ target 1\s+at delta 0\.00001\s+\(Rényi order α = \d+\)$/m);
    expect(text.stdout).toContain('2000 steps = 20 rounds × 1 epoch × 100 steps/epoch');
    expect(text.stdout).toMatch(/^orders\s+1\.1, 1\.25, .*5…64, .*1024 \(\d+ orders\)$/m);
    const printed = /z = ([\d.]+)/.exec(text.stdout)![1]!;
    expect(Number(printed)).toBeGreaterThanOrEqual(cal.noiseMultiplier);
    const [back, below] = await Promise.all([
      json(['privacy', 'epsilon', '--noise-multiplier', printed, ...common]),
      json(['privacy', 'epsilon', '--noise-multiplier', String(cal.noiseMultiplier * (1 - 1e-5)), ...common]),
    ]);
    expect(back.epsilon).toBeLessThanOrEqual(1);
    expect(below.epsilon).toBeGreaterThan(1); // and z is (nearly) the smallest that works
  });

  const errors: [string, string[], RegExp][] = [
    ['q outside (0, 1]', ['epsilon', '--noise-multiplier', '1', '--sample-rate', '1.5', '--steps', '10', '--delta', '1e-5'], /--sample-rate must be in \(0, 1\], got 1\.5/],
    ['non-integer steps', ['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '2.5', '--delta', '1e-5'], /--steps must be a positive integer, got 2\.5/],
    ['missing --delta', ['noise', '--epsilon', '1', '--sample-rate', '0.1', '--steps', '10'], /--delta is required/],
    ['target below the certifiable floor', ['noise', '--epsilon', '0.001', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5'], /--epsilon 0\.001 is below what can be certified .*smallest certifiable ε is 0\.0035/],
  ];
  it('bad values exit with code 2 and one line naming the flag', async () => {
    const results = await Promise.all(errors.map(([, args]) => runCli(['privacy', ...args], 30_000)));
    results.forEach((r, i) => {
      const [what, , message] = errors[i]!;
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(r.stdout, what).toBe('');
    });
  });

  it('client: the smallest z for a target ε over R rounds with t survivors is what a job with that z costs', async () => {
    const common = ['--rounds', '10', '--survivors', '4', '--parameters', '41', '--delta', String(DELTA)];
    const target = await json(['privacy', 'client', '--epsilon', '4', ...common]);
    expect(target).toMatchObject({ mechanism: 'distributed-discrete-gaussian', noise: 'distributed', targetEpsilon: 4, survivors: 4, rounds: 10 });
    expect(target.epsilon).toBeLessThanOrEqual(4);
    expect(target.sigma2PerClient).toBeCloseTo((target.noiseMultiplier * target.normBound) ** 2 / 4, 0);
    const back = await json(['privacy', 'client', '--noise-multiplier', String(target.noiseMultiplier), ...common]);
    expect(back.epsilon).toBeCloseTo(target.epsilon, 9);
    const r = await runCli(['privacy', 'client', '--epsilon', '4', '--rounds', '10', '--parameters', '41', '--delta', '1e-5'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--survivors is required/);
  });
});
