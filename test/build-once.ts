/**
 * Global set-up of the e2e group: compiles the CLI to dist/ so the processes the tests spawn run
 * plain JavaScript (a second or two faster per process than compiling TypeScript at start-up)
 * and run exactly the code under test.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
