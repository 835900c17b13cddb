#!/usr/bin/env node
// A coordinator process started ahead of time, for tests that restart the coordinator many times
// (test/crash.test.ts): it loads the CLI's modules first — most of a start's time — then waits
// for a line on stdin and only then runs `fedcredit <its arguments>`, exactly as bin/fedcredit.mjs
// does. The coordinator it runs is the real one; only the module loading happened earlier.
import { register } from 'tsx/esm/api';

register();
await Promise.all([import('../coordinator/server.ts'), import('../cli/run.ts'), import('../cli/simulate.ts'), import('../cli/participant-cmd.ts')]);
process.stdout.write('warm\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
await import('../cli/main.ts');
