/**
 * Job keys under a roster: each party signs its X25519 key for the job with its identity key and
 * checks every peer's against the roster, so a coordinator that substitutes a key (to read the
 * envelopes it relays) is caught at the first step that uses it. Without a roster nothing is
 * checked — the case the guarantee text states.
 */
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../core/random.ts';
import { encodePeerKey } from '../../core/vertical/key-advert.ts';
import type { VerticalHandler } from '../../core/vertical/messages.ts';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium } from '../synthetic/vertical.ts';
import { simulateVertical } from './simulate-vertical.ts';

const c = generateVerticalConsortium({ seed: 9, scale: 0.1 });
const data = {
  bank: verticalPartyData(c.bank.header, c.bank.rows, { idColumn: c.bank.idColumn, labelColumn: 'default' }),
  platform: verticalPartyData(c.platform.header, c.platform.rows, { idColumn: c.platform.idColumn }),
};
const job = VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform'], ids: { form: 'alnum' }, train: { epochs: 1, batchSize: 64 } });
const ids = Object.fromEntries(['bank', 'platform'].map((p, i) => [p, nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(i + 1))]));
const roster = new Map(Object.entries(ids).map(([p, k]) => [p, k.publicKey]));
const signed = (p: string) => ({ identitySecretKey: ids[p]!.secretKey, roster });

/** A coordinator that hands the bank its own key in place of the platform's. */
const substitute = (p: string, h: VerticalHandler): VerticalHandler => async (task) => {
  if (p === 'bank' && task.config.step === 'psi-blind') task.config.peers.platform = encodePeerKey(nacl.box.keyPair().publicKey);
  return h(task);
};

describe('vertical job keys', () => {
  it('signed keys checked against the roster let the job run', async () => {
    const out = await simulateVertical(job, data, { salt: 'k', rng: seededRng(1), partyOptions: signed });
    expect(out.steps).toBeGreaterThan(0);
  });

  it('a substituted key is refused by the party that receives it', async () => {
    await expect(simulateVertical(job, data, { salt: 'k', rng: seededRng(2), partyOptions: signed, wrap: substitute })).rejects.toThrow(
      /psi-blind: party "bank" failed: party "platform"'s key for job simulated-vertical is not signed with its roster key/,
    );
  });

  it('an unsigned key is refused when the party holds a roster', async () => {
    await expect(
      simulateVertical(job, data, { salt: 'k', rng: seededRng(3), partyOptions: (p) => (p === 'bank' ? signed(p) : { roster }) }),
    ).rejects.toThrow(/party "platform"'s key for job simulated-vertical is not signed/);
  });

  it('without a roster a substituted key goes unnoticed until an envelope fails to open', async () => {
    await expect(simulateVertical(job, data, { salt: 'k', rng: seededRng(4), wrap: substitute })).rejects.toThrow(/failed authentication/);
  });
});
