import { startCoordinatorProcess } from './bench/coordinator-process.ts';
import { mkdtempSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
const t0 = performance.now();
const c = await startCoordinatorProcess({ host: '127.0.0.1', port: 0, stateDir: mkdtempSync(path.join(os.tmpdir(), 'cp-')), heartbeatTimeoutMs: 10000 });
console.log(c.address, (performance.now() - t0).toFixed(0), 'ms', c.rss(), c.cpuSeconds());
await c.stop();
console.log('stopped', (performance.now() - t0).toFixed(0));
try { await startCoordinatorProcess({ host: '127.0.0.1', port: 1, stateDir: '/nonexistent/x', heartbeatTimeoutMs: 10000 }); } catch (e) { console.log('ERR', (e as Error).message.slice(0, 300)); }
