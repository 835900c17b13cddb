/**
 * Global set-up of the e2e group: makes sure dist/ holds the compiled CLI of the sources as they
 * are now, so the processes the tests spawn run plain JavaScript (a second or two faster per
 * process than compiling TypeScript at start-up) and run exactly the code under test. dist/ is
 * compiled again unless the digest of the build's inputs recorded by the last build (which `npm
 * ci` and `npm install` run as `prepare`) equals the digest of the sources now.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGEST_FILE, sourceDigest } from '../scripts/source-digest.mjs';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const stamp = path.join(root, 'dist', DIGEST_FILE);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourceDigest(root)) {
    console.log('e2e: dist/ is up to date with the sources; not compiling again');
    return;
  }
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
