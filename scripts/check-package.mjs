// Checks the package as a user gets it (run by .ci/run): `npm pack`, install the tarball into a
// fresh directory, compile examples/library/train-credit.ts there with tsc (strict, NodeNext,
// against the installed type declarations) and run it with plain node — no tsx — on the credit
// example. Fails unless the job succeeds with an AUC a working model reaches.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-package-'));
const run = (cmd, args, cwd = dir) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const tarball = path.join(dir, run('npm', ['pack', '--silent', '--pack-destination', dir, root], root).trim().split('\n').at(-1));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fedcredit-consumer', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'typescript@5', '@types/node@20']);
  copyFileSync(path.join(root, 'examples', 'library', 'train-credit.ts'), path.join(dir, 'train-credit.ts'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], outDir: 'out' },
    files: ['train-credit.ts'],
  }));
  run(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  const out = run(process.execPath, ['out/train-credit.js', path.join(root, 'examples', 'data', 'credit_data.csv'), path.join(root, 'examples', 'credit', 'schema.json'), path.join(dir, 'state')]);
  process.stdout.write(out);
  const auc = Number(/round 10: AUC ([\d.]+)/.exec(out)?.[1]);
  if (!out.includes('job SUCCEEDED') || !(auc > 0.75)) throw new Error(`the packaged example did not train a working model (final AUC ${auc})`);
  console.log(`package: installed from ${path.basename(tarball)}, example compiled with tsc and ran with node: AUC ${auc}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
