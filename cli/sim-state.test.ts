import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeSimState, describeSimState, openSimState } from './sim-state.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-sim-state-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the state dir of demo and simulate', () => {
  it('removes a temporary state dir at the end and says so', () => {
    const s = openSimState(undefined, 'test');
    writeFileSync(path.join(s.dir, 'ca.key'), 'secret');
    expect(describeSimState(s, true)).toBe(`state in a temporary directory, ${s.dir} (data, logs and models, and the test consortium's CA private key); removed at the end (--keep-state keeps it)`);
    const lines: string[] = [];
    closeSimState(s, true, (l) => lines.push(l));
    expect(existsSync(s.dir)).toBe(false);
    expect(lines).toEqual([`removed the temporary state ${s.dir} (run with --keep-state to keep the logs and data)`]);
  });

  it('keeps it with --keep-state, naming the CA private key it holds', () => {
    const s = openSimState(undefined, 'test', true);
    const lines: string[] = [];
    closeSimState(s, true, (l) => lines.push(l));
    expect(existsSync(s.dir)).toBe(true);
    expect(lines).toEqual([`state kept in ${s.dir}: it holds a CA private key (${path.join(s.dir, 'consortium', 'ca', 'ca.key')}) that can issue certificates for this test consortium; delete it when done`]);
    rmSync(s.dir, { recursive: true });
  });

  it('never deletes an explicit --state-dir', () => {
    const dir = path.join(tmp, 'mine');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'ca.key'), 'secret');
    const s = openSimState(dir, 'test', false);
    expect(s).toEqual({ dir, temporary: false, keep: true });
    const lines: string[] = [];
    closeSimState(s, true, (l) => lines.push(l));
    expect(lines).toEqual([]);
    expect(existsSync(path.join(dir, 'ca.key'))).toBe(true);
    expect(describeSimState(s, false)).toBe(`state in ${dir} (data, logs and models); it stays after the run`);
  });
});
