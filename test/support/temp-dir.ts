/**
 * A test file's own temporary directory, created on import and removed after the file's tests
 * (vitest's afterAll at module level). `sub(prefix)` makes a fresh directory inside it for a test
 * that wants one of its own; it goes with the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export interface TestTempDir {
  /** The directory. */
  readonly dir: string;
  /** A new directory inside it. */
  sub(prefix: string): string;
}

/** Creates `fedcredit-<prefix>-XXXXXX` in the system temp dir, removed once the file's tests are done. */
export function testTempDir(prefix: string): TestTempDir {
  const dir = mkdtempSync(join(tmpdir(), `fedcredit-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, sub: (p) => mkdtempSync(join(dir, `${p}-`)) };
}
