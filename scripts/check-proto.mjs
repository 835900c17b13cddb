// Checks that proto/generated/ is what proto-loader-gen-types makes from the .proto today (run by
// `npm run lint`): regenerates into a temporary folder and compares file by file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = path.join(root, 'proto', 'generated');
const out = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-proto-'));
const gen = path.join(path.dirname(createRequire(import.meta.url).resolve('@grpc/proto-loader/package.json')), 'build', 'bin', 'proto-loader-gen-types.js');
const list = (dir, base = dir) =>
  readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? list(path.join(dir, n), base) : [path.relative(base, path.join(dir, n))])).sort();
try {
  execFileSync(process.execPath, [gen, '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js', '--importFileExtension=.ts', `--outDir=${out}`, 'proto/fedcredit/v1/fedcredit.proto'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const want = list(out);
  const have = list(committed);
  const differ = [...new Set([...want, ...have])].filter((f) => !want.includes(f) || !have.includes(f) || readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(committed, f), 'utf8'));
  if (differ.length > 0) {
    console.error(`proto/generated/ does not match proto/fedcredit/v1/fedcredit.proto (run npm run proto:gen): ${differ.join(', ')}`);
    process.exit(1);
  }
  console.log(`proto: ${have.length} generated files match the .proto`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
