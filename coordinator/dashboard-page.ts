/**
 * The dashboard's HTML: a fixed page with empty slots that the inlined script
 * (./dashboard-script.ts) fills from `/api/state`, chart.js inlined, and the content-security
 * policy the server sends with it (only these inline scripts and style, fetches only to its own
 * origin, no framing). The page itself holds no data, so serving it reveals nothing; it is served
 * only to an authenticated operator all the same.
 */
import { chartJsSource, contentSecurityPolicy, inlineScript } from '../platform/html-page.ts';
import { DASHBOARD_SCRIPT } from './dashboard-script.ts';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; border-bottom: 1px solid #ddd; }
.note { color: #555; font-size: 0.9em; } .error { color: #a00; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 7rem; }
.figures dt { color: #666; font-size: 0.85em; } .figures dd { margin: 0; font-size: 1.15em; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
.chart { position: relative; height: 280px; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
`;

const BODY = `<h1>fedcredit coordinator</h1>
<p class="note">Read-only dashboard: <span id="status-line">loading…</span>; last update <span id="updated">—</span> (UTC).</p>
<dl class="figures">
<div><dt>participants online</dt><dd id="participants-online">—</dd></div>
<div><dt>job state</dt><dd id="job-state">—</dd></div>
<div><dt>rounds</dt><dd id="round-counter">—</dd></div>
<div><dt>last AUC</dt><dd id="last-auc">—</dd></div>
<div><dt>last KS</dt><dd id="last-ks">—</dd></div>
</dl>
<h2>Current job: <span id="job-name">—</span></h2>
<p>Stage: <span id="job-stage">—</span></p>
<p class="error" id="job-error"></p>
<div class="grid">
<figure><figcaption>AUC and KS per evaluated round</figcaption><div class="chart"><canvas id="chart-live-metrics"></canvas></div></figure>
<figure><figcaption>ε spent in this job per member (signed receipts)</figcaption><div class="chart"><canvas id="chart-live-epsilon"></canvas></div></figure>
</div>
<p class="note" id="job-guarantee"></p>
<h2>Failures and dropouts</h2>
<table id="failures"><thead><tr><th>round</th><th>participant</th><th>stage</th><th>reason</th></tr></thead><tbody></tbody></table>
<h2>Participants</h2>
<table id="participants"><thead><tr><th>name</th><th>role</th><th>state</th><th>last seen (UTC)</th></tr></thead><tbody></tbody></table>
<h2>Recent jobs</h2>
<table id="recent"><thead><tr><th>job id</th><th>name</th><th>state</th><th>rounds</th><th>AUC</th><th>KS</th><th>created (UTC)</th></tr></thead><tbody></tbody></table>`;

/** The dashboard page and the Content-Security-Policy header to send with it. */
export function dashboardPage(): { html: string; csp: string } {
  const charts = chartJsSource();
  const csp = contentSecurityPolicy({ scripts: [charts, DASHBOARD_SCRIPT], styles: [STYLE], connect: "'self'", header: true });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>fedcredit coordinator dashboard</title>
<style>${STYLE}</style>
</head><body>
${BODY}
${inlineScript(charts)}
${inlineScript(DASHBOARD_SCRIPT)}
</body></html>
`;
  return { html, csp };
}

/** The page of a refused request: says what is missing, shows nothing else. */
export const UNAUTHORIZED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>401 — fedcredit dashboard</title></head>
<body><h1>401: not authorized</h1><p>The dashboard needs the coordinator's operator token: open it once as <code>/?token=TOKEN</code> (the browser then keeps a session cookie), or send <code>Authorization: Bearer TOKEN</code>.</p></body></html>
`;
