// Compiles the library to dist/ (tsc, with declarations) and copies the files it reads at run
// time: the gRPC service definition and the demo's job and schema.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGEST_FILE, sourceDigest } from './source-digest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Taken before compiling: an edit made during the build leaves dist/ marked out of date.
const digest = sourceDigest(root);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// A clean output: nothing compiled from a file that no longer exists ends up in the package.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const copy = (from, to) => {
  mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
  cpSync(path.join(root, from), path.join(root, to), { recursive: true });
};
copy('proto/fedcredit', 'dist/proto/fedcredit');
// Plain JavaScript that worker threads load as is (private set intersection, two-thread logistic regression).
for (const f of ['core/psi/kernels.mjs', 'core/psi/kernels.d.mts', 'core/psi/field.mjs', 'core/psi/xmd.mjs', 'core/psi/elligator.mjs', 'core/psi/elligator.d.mts', 'core/psi/fe25519-wasm.mjs', 'core/psi/fe25519-wasm.d.mts', 'participant/psi/worker.mjs', 'participant/trainer/logistic-kernel.mjs', 'participant/trainer/logistic-kernel.d.mts', 'participant/trainer/logistic-worker.mjs']) copy(f, path.join('dist', f));
for (const f of readdirSync(path.join(root, 'examples', 'synthetic')).filter((f) => f.endsWith('.json'))) {
  copy(path.join('examples', 'synthetic', f), path.join('dist', 'examples', 'synthetic', f));
}
writeFileSync(path.join(root, 'dist', DIGEST_FILE), `${digest}\n`);
