/**
 * The intermediate values of a recorded secure sum (./secagg-driver.ts), recomputed from the
 * members' recorded randomness and the wire messages with the primitives of core/secagg: X25519
 * key pairs and agreements, HKDF key infos and keys, Shamir polynomials and shares, share
 * plaintexts and their secretbox encryption, the ChaCha20 masks, each member's encoded input, and
 * the server's reconstruction. Each derived value that also travels (public keys, ciphertexts,
 * masked inputs, revealed shares) is checked against the wire here, so a derivation that strays
 * from what the members actually did throws.
 */
import { encodeContribution } from '../../core/secagg/contribution-codec.ts';
import type { EncodingPlan } from '../../core/secagg/contribution-codec.ts';
import { deriveKey, keyInfo } from '../../core/secagg/kdf.ts';
import type { KeyContext } from '../../core/secagg/kdf.ts';
import { publicKeyOf, sharedSecret } from '../../core/secagg/keys.ts';
import { applyMask, pairSign } from '../../core/secagg/mask.ts';
import { expandMask } from '../../core/secagg/prg.ts';
import { seal } from '../../core/secagg/secretbox.ts';
import { combineShares, decodeShare, encodeShare, splitSecret } from '../../core/secagg/shamir.ts';
import { addMod } from '../../core/secagg/quantize.ts';
import { advertBytes } from '../../core/secagg/protocol/advert.ts';
import { consistencyBytes } from '../../core/secagg/protocol/consistency.ts';
import { neighboursOf } from '../../core/secagg/protocol/graph.ts';
import { shareHolders } from '../../core/secagg/protocol/config.ts';
import { encodeSharePlaintext, SHARE_STAGE } from '../../core/secagg/protocol/plaintext.ts';
import type { SecAggConfig } from '../../core/secagg/protocol/config-types.ts';
import { prepareForSecureSum } from '../../core/round/secure-plan.ts';
import type { Contribution } from '../../core/types.ts';
import { job } from './fixtures.ts';
import type { Draw } from './json.ts';
import { hex, nums, replayTape, unhex } from './json.ts';
import type { StepRecord } from './secagg-driver.ts';

type Hex = string;
interface PeerKeysWire { id: string; cPk: Hex; sPk: Hex; signature?: Hex }
interface Reply { message?: string; cPk?: Hex; sPk?: Hex; signature?: Hex; ciphertexts?: { peer: string; ciphertext: Hex }[]; maskedInput?: { data: Hex }; selfMaskShares?: { owner: string; share: Hex }[]; keyShares?: { owner: string; share: Hex }[] }

const replyOf = (steps: StepRecord[], message: string, m: string) => (steps.find((s) => s.message === message)?.replies[m] ?? {}) as Reply;
const taskOf = (steps: StepRecord[], message: string, m: string) => (steps.find((s) => s.message === message)?.tasks[m] ?? {}) as Record<string, unknown>;
const words = (h: Hex) => {
  const b = unhex(h);
  return Uint32Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer).getUint32(4 * i, true));
};
const fail = (what: string): never => {
  throw new Error(`derived value differs from the wire: ${what}`);
};

/** The round's member sets as the steps announced them. */
export function memberSets(steps: StepRecord[], someone: string): { u1: string[]; u2: string[]; u3: string[]; dropped: string[] } {
  const keys = (taskOf(steps, 'peer-keys', someone).peerKeys ?? []) as PeerKeysWire[];
  const shared = (taskOf(steps, 'share-delivery', someone).shared ?? []) as string[];
  const unmask = taskOf(steps, 'unmask-request', someone);
  return { u1: keys.map((k) => k.id), u2: shared, u3: (unmask.survivors ?? []) as string[], dropped: (unmask.dropped ?? []) as string[] };
}

/** Everything member `m` computed, from its tape, recomputed and checked against what it sent. */
export function deriveMember(config: SecAggConfig, plan: EncodingPlan, steps: StepRecord[], tape: Draw[], m: string, contribution: Contribution) {
  const draws = (step: string) => tape.filter((d) => d.step === step).map((d) => unhex(d.hex));
  const [cSk, sSk, seed] = draws('begin');
  if (cSk === undefined || sSk === undefined || seed === undefined) throw new Error(`${m}'s tape has fewer than 3 draws in its begin step`);
  const cPk = publicKeyOf(cSk);
  const sPk = publicKeyOf(sSk);
  const advert = replyOf(steps, 'begin', m);
  if (advert.cPk !== hex(cPk) || advert.sPk !== hex(sPk)) fail(`${m}'s public keys`);
  const sets = memberSets(steps, m);
  const peers = new Map(((taskOf(steps, 'peer-keys', m).peerKeys ?? []) as PeerKeysWire[]).map((k) => [k.id, k]));
  const holders = shareHolders(config, sets.u1, m);
  const t = config.threshold;
  const pk = draws('peer-keys');
  const bCoeffs = pk.slice(0, t - 1);
  const sCoeffs = pk.slice(t - 1, 2 * t - 2);
  const nonces = pk.slice(2 * t - 2);
  // splitSecret returns holders.length shares: bShares[k] and sShares[k] exist for every holder index k.
  const bShares = splitSecret(seed, t, holders.length, replayTape(bCoeffs.map((b) => ({ step: '', hex: hex(b) }))).rng).map(encodeShare);
  const sShares = splitSecret(sSk, t, holders.length, replayTape(sCoeffs.map((b) => ({ step: '', hex: hex(b) }))).rng).map(encodeShare);
  const ctx = { run: config.run, round: config.round };
  const sent = replyOf(steps, 'peer-keys', m).ciphertexts ?? [];
  const shareEncryption: Record<string, unknown> = {};
  holders.filter((v) => v !== m).forEach((v, i) => {
    const nonce = nonces[i];
    if (nonce === undefined) throw new Error(`${m}'s tape has no share-encryption nonce for ${v}`);
    const secret = sharedSecret(cSk, unhex(peers.get(v)!.cPk));
    const out: KeyContext = { ...ctx, purpose: 'share-enc', a: m, b: v };
    const key = deriveKey(secret, out);
    const k = holders.indexOf(v);
    const plaintext = encodeSharePlaintext({ ...ctx, src: m, dst: v, stage: SHARE_STAGE, selfMaskShare: bShares[k]!, keyShare: sShares[k]! });
    const ciphertext = seal(key, plaintext, () => nonce);
    if (sent.find((c) => c.peer === v)?.ciphertext !== hex(ciphertext)) fail(`${m}'s share ciphertext for ${v}`);
    shareEncryption[v] = {
      sharedSecret: hex(secret), infoOut: hex(keyInfo(out)), keyOut: hex(key), keyIn: hex(deriveKey(secret, { ...out, a: v, b: m })),
      plaintext: hex(plaintext), nonce: hex(nonce), ciphertext: hex(ciphertext),
    };
  });
  const selfCtx: KeyContext = { ...ctx, purpose: 'self-mask', a: m, b: m };
  const selfKey = deriveKey(seed, selfCtx);
  const pairwise: Record<string, unknown> = {};
  const terms: { key: Uint8Array; sign: 1 | -1 }[] = [{ key: selfKey, sign: 1 }];
  for (const v of neighboursOf(config, m).filter((x) => sets.u2.includes(x))) {
    const secret = sharedSecret(sSk, unhex(peers.get(v)!.sPk));
    const c: KeyContext = { ...ctx, purpose: 'mask', a: m, b: v };
    const key = deriveKey(secret, c);
    terms.push({ key, sign: pairSign(m, v) });
    pairwise[v] = { sharedSecret: hex(secret), info: hex(keyInfo(c)), key: hex(key), sign: pairSign(m, v), prg: nums(expandMask(key, config.length)) };
  }
  const prepared = prepareForSecureSum('train', contribution, job().secureAggregation);
  const input = draws('share-delivery').length ? encodeContribution(prepared, plan, replayTape(draws('share-delivery').map((b) => ({ step: '', hex: hex(b) }))).rng).words : undefined;
  const maskedHex = replyOf(steps, 'share-delivery', m).maskedInput?.data;
  if (input && maskedHex !== undefined && hex(new Uint8Array(applyMask(input, terms, config.bits).buffer)) !== maskedHex) fail(`${m}'s masked input`);
  const consistency = replyOf(steps, 'consistency-request', m).signature;
  return {
    x25519: { cSecretKey: hex(cSk), cPublicKey: hex(cPk), sSecretKey: hex(sSk), sPublicKey: hex(sPk) },
    selfMaskSeed: hex(seed),
    advert: { signedBytes: hex(advertBytes(config, m, cPk, sPk)), signature: advert.signature },
    shamir: {
      holders,
      selfMaskSeedCoefficients: bCoeffs.map(hex),
      maskingKeyCoefficients: sCoeffs.map(hex),
      selfMaskShares: Object.fromEntries(holders.map((h, i) => [h, hex(bShares[i]!)])),
      maskingKeyShares: Object.fromEntries(holders.map((h, i) => [h, hex(sShares[i]!)])),
    },
    shareEncryption,
    masks: { selfMaskInfo: hex(keyInfo(selfCtx)), selfMaskKey: hex(selfKey), selfMask: nums(expandMask(selfKey, config.length)), pairwise },
    input: { prepared: Object.fromEntries(Object.entries(prepared).map(([k, v]) => [k, nums(v)])), words: input ? nums(input) : null },
    maskedInput: maskedHex === undefined ? null : nums(words(maskedHex)),
    ...(consistency ? { consistency: { signedBytes: hex(consistencyBytes(config, sets.u3)), signature: consistency } } : {}),
  };
}

/** The server's side: the masked sum over U3, the reconstructed secrets, and the unmasked sum. */
export function deriveServer(config: SecAggConfig, steps: StepRecord[], members: string[]) {
  const someone = members.find((m) => taskOf(steps, 'unmask-request', m).survivors) ?? members[0];
  if (someone === undefined) throw new Error('deriveServer needs at least one member');
  const sets = memberSets(steps, someone);
  const masked = new Uint32Array(config.length);
  for (const u of sets.u3) addMod(masked, words(replyOf(steps, 'share-delivery', u).maskedInput!.data), config.bits);
  const answers = steps.find((s) => s.message === 'unmask-request')!.replies as Record<string, Reply>;
  const sharesOf = (owner: string, kind: 'selfMaskShares' | 'keyShares') =>
    Object.values(answers).flatMap((r) => (r[kind] ?? []).filter((x) => x.owner === owner).map((x) => decodeShare(unhex(x.share))));
  const ctx = { run: config.run, round: config.round };
  const terms: { key: Uint8Array; sign: 1 | -1 }[] = [];
  const seeds: Record<string, Hex> = {};
  for (const u of sets.u3) {
    const seed = combineShares(sharesOf(u, 'selfMaskShares'), config.threshold, 32);
    seeds[u] = hex(seed);
    terms.push({ key: deriveKey(seed, { ...ctx, purpose: 'self-mask', a: u, b: u }), sign: -1 });
  }
  const maskingKeys: Record<string, Hex> = {};
  const [firstSurvivor] = sets.u3;
  const announced = firstSurvivor === undefined ? [] : ((taskOf(steps, 'peer-keys', firstSurvivor).peerKeys ?? []) as PeerKeysWire[]);
  const peerKeys = new Map(announced.map((k) => [k.id, k]));
  for (const v of sets.dropped) {
    const sk = combineShares(sharesOf(v, 'keyShares'), config.threshold, 32);
    if (hex(publicKeyOf(sk)) !== peerKeys.get(v)!.sPk) fail(`the reconstructed masking key of ${v}`);
    maskingKeys[v] = hex(sk);
    for (const u of neighboursOf(config, v).filter((x) => sets.u3.includes(x))) {
      const key = deriveKey(sharedSecret(sk, unhex(peerKeys.get(u)!.sPk)), { ...ctx, purpose: 'mask', a: u, b: v });
      terms.push({ key, sign: pairSign(u, v) === 1 ? -1 : 1 });
    }
  }
  const sum = applyMask(masked, terms, config.bits);
  return { ...sets, maskedSum: nums(masked), reconstructedSelfMaskSeeds: seeds, reconstructedMaskingKeys: maskingKeys, sum: nums(sum) };
}
