// Checks that dependencies point inward: every relative import of a source file (tests
// included, except their shared helpers in test/) goes to a folder its layer may use.
// Run by `npm run lint`; prints each offending import and exits 1.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Each layer and the layers it may import (itself always). */
const ALLOWED = {
  core: [],
  platform: ['core'],
  proto: ['core', 'platform'],
  trust: ['core', 'platform', 'proto'],
  participant: ['core', 'platform', 'proto', 'trust'],
  coordinator: ['core', 'platform', 'proto', 'trust'],
  client: ['core', 'platform', 'proto', 'trust'],
  scoring: ['core', 'platform', 'proto', 'trust', 'participant'],
  sim: ['core', 'platform', 'proto', 'trust', 'participant', 'coordinator', 'client', 'scoring'],
  cli: ['core', 'platform', 'proto', 'trust', 'participant', 'coordinator', 'client', 'sim', 'scoring'],
  'index.ts': ['core', 'platform', 'proto', 'trust', 'participant', 'coordinator', 'client', 'sim', 'scoring'],
};
const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const layer of Object.keys(ALLOWED)) {
  const start = path.join(root, layer);
  if (!existsSync(start)) continue;
  const list = layer.endsWith('.ts') ? [start] : [...files(start)];
  for (const file of list) {
    // The protocol test vectors exercise every layer at once (like test/), so they sit outside the layering.
    if (path.relative(root, file).startsWith(path.join('proto', 'vectors'))) continue;
    const text = readFileSync(file, 'utf8');
    const isTest = file.endsWith('.test.ts');
    for (const m of text.matchAll(IMPORT)) {
      const target = path.relative(root, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
      if (target === layer || ALLOWED[layer].includes(target)) continue;
      // Tests may use the shared test helpers.
      if (isTest && target === 'test') continue;
      problems.push(`${path.relative(root, file)}: imports ${m[1]} (${layer}/ may not depend on ${target}/)`);
    }
  }
}
for (const p of problems) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`layers: ${Object.keys(ALLOWED).length} checked, every import points inward`);
