#!/usr/bin/env node
// The `fedcredit` command. In a source checkout (cli/main.ts beside this folder, tsx installed)
// it runs the TypeScript sources through tsx, so edits take effect at once; an installed package
// runs the compiled JavaScript in dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
let tsx;
if (existsSync(source) && process.env.FEDCREDIT_USE_DIST !== '1') {
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    tsx = undefined;
  }
}
if (tsx) {
  tsx.register();
  await import(source);
} else {
  await import('../dist/cli/main.js');
}
