/**
 * Building blocks of the self-contained HTML pages fedcredit writes (the job report) and serves
 * (the coordinator's dashboard): escaping of untrusted text, JSON that is safe inside a
 * `<script>` element, the chart.js bundle to inline, and a content-security policy that allows
 * exactly the page's own inline scripts and styles (by SHA-256 hash) and no remote load at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` with the five HTML-significant characters escaped: safe in element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON text that can sit inside `<script type="application/json">`: every `<`, `>` and `&` is
 * written as a \u escape, so no string value can close the element or open a comment, and
 * JSON.parse reads the same value back. Non-finite numbers become null (as JSON.stringify does).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The CSP source expression `'sha256-…'` that allows one inline script or style with exactly this text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * A content-security policy for a page whose only active content is the given inline scripts and
 * styles: nothing may be loaded from anywhere (`default-src 'none'`), images only as data: URLs,
 * no forms, no base-URI change and — when sent as an HTTP header (`header`; a <meta> policy cannot
 * say it) — no framing. `connect` adds where the page may fetch from (the dashboard polls its own
 * origin: `'self'`).
 */
export function contentSecurityPolicy(o: { scripts: string[]; styles: string[]; connect?: string; header?: boolean }): string {
  return [
    "default-src 'none'",
    `script-src ${o.scripts.map(cspHash).join(' ')}`,
    `style-src ${o.styles.map(cspHash).join(' ')}`,
    "img-src data:",
    `connect-src ${o.connect ?? "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(o.header ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

let chartJs: string | undefined;

/**
 * The chart.js UMD bundle (chart.umd.min.js of the installed package), read once. Inlined into a
 * page it defines the global `Chart`; its text contains no `</script`, checked here all the same.
 */
export function chartJsSource(): string {
  if (chartJs !== undefined) return chartJs;
  const main = createRequire(import.meta.url).resolve('chart.js');
  const text = readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  if (/<\/script/i.test(text)) throw new Error('chart.umd.min.js contains "</script" and cannot be inlined');
  chartJs = text;
  return text;
}

/** An inline `<script>` element; throws if the code could close the element early. */
export function inlineScript(code: string): string {
  if (/<\/script/i.test(code)) throw new Error('inline script contains "</script"');
  return `<script>${code}</script>`;
}
