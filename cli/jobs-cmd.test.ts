import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerJobCommands } from './jobs-cmd.ts';

/** Parses `args` with the jobs command registered; resolves with commander's error message, if any. */
async function parseError(args: string[]): Promise<string> {
  const program = new Command('fedcredit').exitOverride();
  let message = '';
  program.configureOutput({ writeErr: (s) => { message += s; }, writeOut: () => undefined });
  registerJobCommands(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: (s) => { message += s; }, writeOut: () => undefined });
  await program.parseAsync(['node', 'fedcredit', 'jobs', '--coordinator', '127.0.0.1:1', '--insecure', ...args]).catch(() => undefined);
  return message;
}

describe('fedcredit jobs flags', () => {
  it('refuses an unknown state and a limit out of range before calling the coordinator', async () => {
    expect(await parseError(['--state', 'DONE'])).toMatch(/--state must be one of PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED/);
    expect(await parseError(['--limit', '0'])).toMatch(/--limit must be an integer from 1 to 1000/);
    expect(await parseError(['--limit', '1001'])).toMatch(/--limit must be an integer from 1 to 1000/);
  });
});
