import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RELEASE_LOG_FILE, ReleaseLog, ReleaseLogError } from './log.ts';
import type { ReleaseLogRecord } from './guard.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-releases-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const rec = (run: string): Extract<ReleaseLogRecord, { kind: 'release' }> => ({
  kind: 'release', jobId: 'j', stage: 'train', round: 3, run, at: 5, survivors: ['a', 'b', 'c'], digest: 'f'.repeat(64), noised: false,
});

describe('release log', () => {
  it('survives a restart: records appended before are there after reopening', () => {
    const dir = tmp();
    const log = ReleaseLog.open(dir);
    log.append({ kind: 'attempt', jobId: 'j', stage: 'train', round: 3, run: 'r1', at: 4 });
    log.append(rec('r1'));
    const again = ReleaseLog.open(dir);
    expect(again.history()).toEqual(log.history());
    expect(again.history()).toHaveLength(2);
  });
  it('moves a torn last line aside and keeps every complete record', () => {
    const dir = tmp();
    ReleaseLog.open(dir).append(rec('r1'));
    const file = path.join(dir, RELEASE_LOG_FILE);
    appendFileSync(file, '{"kind":"release","jobId":"j"');
    const log = ReleaseLog.open(dir);
    expect(log.history()).toHaveLength(1);
    expect(log.tornMovedTo).toBeDefined();
    expect(readFileSync(log.tornMovedTo!, 'utf8')).toBe('{"kind":"release","jobId":"j"');
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });
  it('refuses to open a log with a corrupted line, naming file and line, and leaves it untouched', () => {
    const dir = tmp();
    const file = path.join(dir, RELEASE_LOG_FILE);
    const text = `${JSON.stringify(rec('r1'))}\n{"kind":"release","jobId":"j","stage":"train"}\n`;
    writeFileSync(file, text);
    let err: unknown;
    try {
      ReleaseLog.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReleaseLogError);
    expect((err as ReleaseLogError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `));
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
  it('validates what it appends, and an in-memory log writes nothing', () => {
    const mem = ReleaseLog.memory();
    expect(() => mem.append({ ...rec('r1'), survivors: [] })).toThrow();
    mem.append(rec('r1'));
    expect(mem.file).toBeUndefined();
    expect(mem.history()).toHaveLength(1);
    expect(existsSync(path.join(os.tmpdir(), RELEASE_LOG_FILE))).toBe(false);
  });
});

describe('release log index', () => {
  it('holds one survivor list for the sums over the same members, in memory and after reopening', () => {
    const dir = tmp();
    const log = ReleaseLog.open(dir);
    log.append(rec('r1'));
    log.append({ ...rec('r2'), round: 4 });
    log.append({ ...rec('r3'), round: 5, survivors: ['a', 'b'] });
    const lists = (l: ReleaseLog) => l.history().flatMap((r) => (r.kind === 'release' ? [r.survivors] : []));
    for (const l of [log, ReleaseLog.open(dir)]) {
      const [first, second, third] = lists(l);
      expect(first).toEqual(['a', 'b', 'c']);
      expect(second).toBe(first);
      expect(third).toEqual(['a', 'b']);
    }
    // The file still holds every record in full.
    const lines = readFileSync(path.join(dir, RELEASE_LOG_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { survivors: string[] }).survivors)).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b']]);
  });

  it('finds the records of one input by its key and by identical vectors', () => {
    const log = ReleaseLog.memory();
    const a = rec('r1');
    const other = { ...rec('r2'), jobId: 'k', digest: 'e'.repeat(64) };
    const copy = { ...rec('r3'), jobId: 'k2' };
    for (const r of [a, other, copy]) log.append(r);
    log.append({ kind: 'attempt', jobId: 'j', stage: 'train', round: 3, run: 'r4', at: 6 });
    expect(log.about({ jobId: 'j', stage: 'train', round: 3 }).map((r) => r.run)).toEqual(['r1', 'r4']);
    expect(log.about({ jobId: 'j', stage: 'train', round: 3 }, 'f'.repeat(64)).map((r) => r.run)).toEqual(['r1', 'r4', 'r3']);
    expect(log.about({ jobId: 'k', stage: 'train', round: 3 }).map((r) => r.run)).toEqual(['r2']);
  });
});
