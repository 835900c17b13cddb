/**
 * Headless Chromium for the browser tests (playwright-core driving the system's Chromium —
 * Debian's /usr/bin/chromium, or CHROME_PATH). Without a Chromium the browser tests are skipped
 * with the reason printed, unless FEDCREDIT_REQUIRE_CHROMIUM=1 (CI), when they must fail.
 * Screenshots go to artifacts/screenshots/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { ROOT } from '../helpers.ts';

/** Where the browser tests save their screenshots. */
export const SCREENSHOT_DIR = path.join(ROOT, 'artifacts', 'screenshots');

/** The Chromium executable: CHROME_PATH, else `chromium` / `chromium-browser` on the PATH; undefined when none is installed. */
export function chromiumPath(): string | undefined {
  const env = process.env.CHROME_PATH;
  if (env) return existsSync(env) ? env : undefined;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on the PATH: try the next name
    }
  }
  return undefined;
}

/** What the browser tests do on this machine: run with `executablePath`, skip (with the reason), or fail. */
export function browserPlan(): { run: true; executablePath: string } | { run: false; reason: string; mustFail: boolean } {
  const executablePath = chromiumPath();
  if (executablePath) return { run: true, executablePath };
  const reason = process.env.CHROME_PATH
    ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist`
    : 'no Chromium found (set CHROME_PATH, or install Debian\'s chromium: apt-get install -y chromium)';
  const mustFail = process.env.FEDCREDIT_REQUIRE_CHROMIUM === '1';
  process.stderr.write(`\n*** browser tests ${mustFail ? 'FAIL' : 'SKIPPED'}: ${reason}${mustFail ? ' (FEDCREDIT_REQUIRE_CHROMIUM=1)' : ''} ***\n\n`);
  return { run: false, reason, mustFail };
}

/** Launches headless Chromium. */
export function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Collects a page's console errors and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

/** The parts of a browser canvas the pixel count reads (the project's types have no DOM library). */
interface CanvasLike {
  width: number;
  clientWidth: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/** chart.js's global, as far as the pixel count uses it. */
interface ChartStatic {
  getChart(c: CanvasLike): { chartArea: { left: number; top: number; right: number; bottom: number } } | undefined;
}

/**
 * Pixels inside a chart's plot area (chart.js `chartArea`) whose colour is saturated — the data
 * series' colours, not the grey grid, axes and labels: how much of the data a canvas shows.
 */
export async function plottedPixels(page: Page, canvasId: string): Promise<number> {
  return page.evaluate((id) => {
    const g = globalThis as unknown as { document: { getElementById(id: string): CanvasLike | null }; Chart: ChartStatic };
    const canvas = g.document.getElementById(id);
    const chart = canvas ? g.Chart.getChart(canvas) : undefined;
    if (!canvas || !chart) return -1;
    const scale = canvas.width / canvas.clientWidth;
    const a = chart.chartArea;
    const x = Math.floor(a.left * scale);
    const y = Math.floor(a.top * scale);
    const w = Math.max(1, Math.floor((a.right - a.left) * scale));
    const h = Math.max(1, Math.floor((a.bottom - a.top) * scale));
    const px = canvas.getContext('2d')!.getImageData(x, y, w, h).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      const r = px[i]!;
      const g = px[i + 1]!;
      const b = px[i + 2]!;
      if (px[i + 3]! > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  }, canvasId);
}

/** Saves a full-page screenshot under {@link SCREENSHOT_DIR}, prints and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  process.stdout.write(`screenshot: ${file}\n`);
  return file;
}
