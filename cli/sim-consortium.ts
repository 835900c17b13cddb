/**
 * The throwaway consortium of a simulation (`fedcredit simulate`, `fedcredit demo`): a fresh CA,
 * certificates, identity keys and roster for the simulated parties and one operator, written to
 * the simulation's state dir by `createConsortium` (trust/certs.ts). The simulation then runs
 * exactly as a real deployment does: mutual TLS, signed messages, authenticated secure sums, an
 * operator token on the Control API.
 */
import path from 'node:path';
import type { Role } from '../trust/format.ts';
import { loadCredentials } from '../trust/files.ts';
import { clientCredentials } from '../trust/tls.ts';
import type { TlsMaterial } from '../trust/tls.ts';
import type { Roster } from '../trust/format.ts';
import type { ControlOptions } from '../client/control-client.ts';

/** What a simulation needs from its consortium. */
export interface SimConsortium {
  dir: string;
  coordinator: { tls: TlsMaterial; roster: Roster };
  /** `--credentials` directory of a participant. */
  participantDir: (name: string) => string;
  operator: ControlOptions;
}

/** A party's role guessed from its name (platform, bank…, customs; anything else "other"). */
export function roleOf(name: string): Role {
  if (name === 'platform') return 'platform';
  if (name.startsWith('bank')) return 'bank';
  if (name === 'customs') return 'customs';
  return 'other';
}

/** Writes a test consortium for `names` under `dir` and loads the coordinator's and operator's credentials. */
export async function simConsortium(dir: string, names: string[]): Promise<SimConsortium> {
  // Loaded on demand: the X.509 library costs start-up time other commands need not pay.
  const { createConsortium } = await import('../trust/certs.ts');
  await createConsortium({ out: dir, participants: names.map((name) => ({ name, role: roleOf(name) })), operators: ['scientist'], consortium: 'simulated-consortium', force: true });
  const c = loadCredentials(path.join(dir, 'coordinator'), 'coordinator');
  const op = loadCredentials(path.join(dir, 'operators', 'scientist'), 'operator');
  return {
    dir,
    coordinator: { tls: { ca: c.ca, cert: c.cert, key: c.key }, roster: c.roster },
    participantDir: (name) => path.join(dir, 'participants', name),
    operator: { credentials: clientCredentials(op), token: op.token },
  };
}
