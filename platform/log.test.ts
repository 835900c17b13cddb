import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from './log.ts';

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes one JSON object per line when the format is json', () => {
    const out = sink();
    const log = createLogger('participant:bank-a', 'info', 'json', { stream: out.stream, isTTY: true });
    log.debug('hidden');
    log.warn('refused a task of job j1: policy p.json: rounds 50 exceed maxRounds 10', { round: 0 });
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, component: 'participant:bank-a', round: 0, msg: 'refused a task of job j1: policy p.json: rounds 50 exceed maxRounds 10' });
  });

  it('writes readable lines (level word, component, message, fields) when the format is pretty', () => {
    const out = sink();
    const log = createLogger('participant:bank-a', 'info', 'pretty', { stream: out.stream, isTTY: false });
    log.warn('refused a task of job j1: policy p.json: rounds 50 exceed maxRounds 10', { round: 0 });
    const text = out.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: participant:bank-a: refused a task of job j1: policy p\.json: rounds 50 exceed maxRounds 10/);
    expect(text).toContain('"round":0');
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toContain('\u001b['); // no colours off a terminal
  });

  it('resolves auto to pretty on a terminal and to JSON otherwise', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});
