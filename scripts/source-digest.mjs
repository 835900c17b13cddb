// The digest of everything a build of dist/ is made from: the sources tsconfig.build.json
// compiles, both tsconfig files, package.json, the .proto files and the demo's JSON files. The
// build records it in dist/.source-digest, so a caller can tell whether dist/ is current without
// compiling again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const DIRS = ['core', 'platform', 'trust', 'proto', 'coordinator', 'participant', 'client', 'scoring', 'sim', 'cli', 'examples/synthetic'];
const FILES = ['index.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];

function walk(root, rel, out) {
  const abs = path.join(root, rel);
  for (const name of readdirSync(abs).sort()) {
    const r = path.join(rel, name);
    if (statSync(path.join(root, r)).isDirectory()) walk(root, r, out);
    else if (/\.(ts|mts|mjs|proto|json)$/.test(name)) out.push(r);
  }
}

/** SHA-256 over the paths and contents of the build's inputs under `root`, hex. */
export function sourceDigest(root) {
  const files = [...FILES];
  for (const d of DIRS) walk(root, d, files);
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(readFileSync(path.join(root, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

export const DIGEST_FILE = '.source-digest';
