/**
 * What every party of a vertical job sees, recorded: each party reports the content of every
 * envelope it opens, the grid records every task and reply the coordinator relays. The test
 * checks that everything a party receives in clear is indistinguishable from uniform ring words
 * — partial scores, features, labels and residuals are never among them — except what the design
 * releases (the label holder's held-out final scores, each party's own gradient), and that the
 * coordinator relays only ciphertext. A positive control shows the check does catch values in
 * clear.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../core/random.ts';
import type { PackedArray } from '../../core/vertical/pack.ts';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium } from '../synthetic/vertical.ts';
import type { SeenStep } from './memory-grid.ts';
import { simulateVertical } from './simulate-vertical.ts';

/** Share of words whose signed value is below 2^40 (a fixed-point value under 2^27 in magnitude); about 2^−23 for uniform words. */
function smallShare(words: BigUint64Array): number {
  let small = 0;
  for (const w of words) if (BigInt.asIntN(64, w) < 2n ** 40n && BigInt.asIntN(64, w) > -(2n ** 40n)) small++;
  return small / words.length;
}

const consortium = generateVerticalConsortium({ seed: 7, scale: 0.25 });
const party = (t: typeof consortium.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
const data = { bank: party(consortium.bank, 'default'), platform: party(consortium.platform), customs: party(consortium.customs) };
const jobOf = (model: { type: 'logistic' } | { type: 'mlp'; hidden: number }) =>
  VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], model, ids: { form: 'alnum' }, train: { epochs: 2, batchSize: 64 } });

interface Received { party: string; from: string; step: string; name: string; words: BigUint64Array }

describe.each([{ type: 'logistic' as const }, { type: 'mlp' as const, hidden: 2 }])('a vertical job ($type), every view recorded', async (model) => {
  const job = jobOf(model);
  const received: Received[] = [];
  const seen: SeenStep[] = [];
  const out = await simulateVertical(job, data, {
    salt: 'views', rng: seededRng(11), seen,
    onReceive: (p, from, step, _t, arrays: Readonly<Record<string, PackedArray>>) => {
      for (const [name, a] of Object.entries(arrays)) if (a instanceof BigUint64Array) received.push({ party: p, from, step, name, words: a });
    },
  });

  it('trains a useful joint model', () => {
    expect(out.steps).toBeGreaterThan(20);
    expect(out.metrics.auc).toBeGreaterThan(out.labelHolderOnly.auc + 0.03);
  });

  it('the label holder receives only uniform words: no partial score, feature or padded matrix in clear', () => {
    const atBank = received.filter((r) => r.party === 'bank');
    expect(atBank.map((r) => `${r.step}:${r.name}`)).toEqual(expect.arrayContaining(['train-a:z', 'train-a:e', 'train-b:f', 'train-b:t', 'evaluate:u']));
    for (const r of atBank) expect(smallShare(r.words), `${r.step} ${r.name} from ${r.from}`).toBeLessThan(0.01);
    // The best combination open to it: the sum of every feature party's padded scores of one step.
    const zs = atBank.filter((r) => r.step === 'train-a' && r.name === 'z');
    for (let i = 0; i + 1 < zs.length; i += 2) {
      const sum = zs[i]!.words.map((w, j) => w + zs[i + 1]!.words[j]!);
      expect(smallShare(sum)).toBeLessThan(0.01);
    }
  });

  it('feature parties receive only uniform words: no label, residual or score in clear', () => {
    for (const p of ['platform', 'customs']) {
      const got = received.filter((r) => r.party === p);
      expect(got.length).toBeGreaterThan(0);
      for (const r of got) expect(smallShare(r.words), `${p}: ${r.step} ${r.name} from ${r.from}`).toBeLessThan(0.01);
    }
  });

  it('the held-out final scores reach the label holder only as their sum', () => {
    const u = received.filter((r) => r.party === 'bank' && r.step === 'evaluate');
    expect(u).toHaveLength(2);
    const sum = u[0]!.words.map((w, j) => w + u[1]!.words[j]!);
    // The sum of the two feature parties' parts is readable (it is what the final score needs) …
    expect(smallShare(sum)).toBeGreaterThan(0.99);
    // … and this is the positive control: the same check flags values in clear.
  });

  it('the coordinator relays ciphertext only; it sees counts, metrics and the material it dealt', () => {
    const header = Buffer.from('"u64"');
    let relayed = 0;
    for (const s of seen) {
      for (const e of [...(s.task.vertical?.envelopes ?? []), ...(s.reply?.envelopes ?? [])]) {
        relayed++;
        expect(Buffer.from(e.data).includes(header)).toBe(false);
      }
      for (const v of Object.values(s.reply?.info ?? {})) expect(Number.isFinite(v)).toBe(true);
    }
    expect(relayed).toBeGreaterThan(100);
    const infoKeys = new Set(seen.flatMap((s) => Object.keys(s.reply?.info ?? {})));
    expect([...infoKeys].sort()).toEqual(
      ['auc', 'duplicateIds', 'emptyIds', 'heldOut', 'ids', 'ks', 'labelHolderOnlyAuc', 'labelHolderOnlyKs', 'logLoss', 'malformedIds', 'rows', 'shared', 'shared:customs', 'shared:platform', 'steps', 'test', 'train', 'width'].sort(),
    );
  });
});

describe('a vertical job whose relayed messages are altered', () => {
  it('a relayed envelope altered in transit fails the job, naming the party and step', async () => {
    await expect(
      simulateVertical(jobOf({ type: 'logistic' }), data, {
        salt: 'views', rng: seededRng(12),
        wrap: (p, h) => async (task) => {
          if (p === 'platform' && task.config.step === 'train-a' && task.config.t === 3) task.envelopes[0]!.data[40]! ^= 1;
          return h(task);
        },
      }),
    ).rejects.toThrow(/train-a 3: party "platform" failed: .*failed authentication/);
  });
});
