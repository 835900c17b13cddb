/**
 * PushResult bodies for the coordinator fuzz test (test/fuzz.test.ts), without session or task id:
 * malformed ones that must fail wire decoding (NaN/Inf, wrong dtypes and shapes, truncated data,
 * wrong key and share sizes, missing fields), and well-formed ones that fit no open task.
 */
import { float32Tensor, float64Tensor } from '../proto/tensor.ts';
import type { Rand } from './fuzz-bytes.ts';
import { huge } from './fuzz-bytes.ts';

/** Float bytes with one non-finite element. */
function floats(r: Rand, n: number, dtype: 'FLOAT32' | 'FLOAT64', poison = true): Buffer {
  const v = dtype === 'FLOAT64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = r.float() - 0.5;
  if (poison) v[r.int(n)] = r.pick([NaN, Infinity, -Infinity]);
  return Buffer.from(v.buffer);
}

/** A malformed reply body (no session or task id): [what is wrong, body]. Each fails wire decoding. */
export function malformedReply(r: Rand): [string, Record<string, unknown>] {
  const t = (o: Record<string, unknown>) => ({ contribution: { vectors: [{ name: 'update', dtype: 'FLOAT64', shape: [4], data: Buffer.alloc(32), ...o }] } });
  const masked = (o: Record<string, unknown> | null) => ({ secagg: { message: 'masked-input', maskedInput: o && { name: 'y', dtype: 'UINT32', shape: [4], data: Buffer.alloc(16), ...o } } });
  const n = 1 + r.int(64);
  const cases: [string, () => Record<string, unknown>][] = [
    ['NaN/Inf in a FLOAT64 vector', () => t({ shape: [n], data: floats(r, n, 'FLOAT64') })],
    ['NaN/Inf in a FLOAT32 vector', () => t({ dtype: 'FLOAT32', shape: [n], data: floats(r, n, 'FLOAT32') })],
    ['integer dtype for a float vector', () => t({ dtype: r.pick(['INT32', 'UINT32']), shape: [4], data: Buffer.alloc(16) })],
    ['unspecified or unknown dtype', () => t({ dtype: r.pick(['DTYPE_UNSPECIFIED', 9, 1000]) })],
    ['shape claiming billions of elements', () => t({ shape: r.pick([[2 ** 31, 2 ** 31], [2 ** 32 - 1], [65536, 65536, 65536], [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]]), data: r.bytes(r.int(64)) })],
    ['truncated data', () => t({ shape: [n], data: r.bytes(8 * n - 1 - r.int(8 * n)) })],
    ['data longer than the shape', () => t({ shape: [2], data: r.bytes(17 + r.int(64)) })],
    ['two-dimensional vector', () => t({ shape: [2, 2] })],
    ['too many dimensions', () => t({ shape: Array(9).fill(1), data: Buffer.alloc(8) })],
    ['vector without a name', () => t({ name: '' })],
    ['huge vector name', () => t({ name: huge(r, 129) })],
    ['reserved vector name', () => t({ name: '__proto__' })],
    ['duplicate vectors', () => ({ contribution: { vectors: [float64Tensor('w', Float64Array.of(1)), float64Tensor('w', Float64Array.of(2))] } })],
    ['too many vectors', () => ({ contribution: { vectors: Array.from({ length: 65 + r.int(100) }, (_, i) => float64Tensor(`v${i}`, Float64Array.of(i))) } })],
    ['unknown secagg message', () => ({ secagg: { message: r.chance(0.5) ? r.str(1 + r.int(20)) : huge(r, 100) } })],
    ['public keys of the wrong size', () => ({ secagg: { message: 'advertise-keys', cPk: r.bytes(r.pick([0, 31, 33, 1000])), sPk: r.bytes(32) } })],
    ['share ciphertexts of the wrong size', () => ({ secagg: { message: 'share-keys', ciphertexts: [{ peer: 'x', ciphertext: r.bytes(r.pick([0, 5, 90, 5000])) }] } })],
    ['share ciphertext without a recipient', () => ({ secagg: { message: 'share-keys', ciphertexts: [{ peer: r.pick(['', huge(r, 201)]), ciphertext: r.bytes(104) }] } })],
    ['masked input of a float dtype', () => masked({ dtype: r.pick(['FLOAT32', 'FLOAT64', 'INT32']) })],
    ['masked input claiming billions of words', () => masked({ shape: r.pick([[2 ** 31, 2 ** 31], [2 ** 32 - 1]]), data: r.bytes(r.int(64)) })],
    ['masked input with truncated data', () => masked({ shape: [n], data: r.bytes(4 * n - 1) })],
    ['two-dimensional masked input', () => masked({ shape: [2, 2] })],
    ['masked-input reply without the vector', () => masked(null)],
    ['unmasking shares of the wrong size', () => ({ secagg: { message: 'unmasking', selfMaskShares: [{ owner: 'x', share: r.bytes(r.pick([0, 3, 100])) }], keyShares: [] } })],
    ['unmasking share without an owner', () => ({ secagg: { message: 'unmasking', selfMaskShares: [], keyShares: [{ owner: '', share: r.bytes(4) }] } })],
    ['vertical public key of the wrong size', () => ({ vertical: { envelopes: [], publicKey: r.bytes(r.pick([1, 31, 33, 500])) } })],
    ['vertical key signature of the wrong size', () => ({ vertical: { envelopes: [], publicKey: r.bytes(32), keySignature: r.bytes(r.pick([1, 63, 65])) } })],
    ['vertical info that is not JSON', () => ({ vertical: { envelopes: [], infoJson: r.pick(['{', 'nope', '[1,2']) } })],
    ['vertical info with a non-number', () => ({ vertical: { envelopes: [], infoJson: JSON.stringify({ rows: r.pick(['1', null, [1], { a: 1 }]) }) } })],
    ['vertical envelope without a peer', () => ({ vertical: { envelopes: [{ peer: r.pick(['', huge(r, 129)]), data: r.bytes(40) }] } })],
    ['two vertical envelopes for one peer', () => ({ vertical: { envelopes: [{ peer: 'p', data: r.bytes(8) }, { peer: 'p', data: r.bytes(8) }] } })],
    ['too many vertical envelopes', () => ({ vertical: { envelopes: Array.from({ length: 65 + r.int(20) }, (_, i) => ({ peer: `p${i}`, data: r.bytes(4) })) } })],
    ['neither contribution, secagg reply nor refusal', () => ({})],
    ['privacy receipt beyond 64 KiB', () => ({ contribution: { vectors: [float64Tensor('update', Float64Array.of(1))] }, privacyReceiptJson: 'r'.repeat(65_537 + r.int(1000)) })],
  ];
  const [what, make] = r.pick(cases);
  return [what, make()];
}

/** A well-formed reply body that fits no open task of the keeper. */
export function wellFormedReply(r: Rand): [string, Record<string, unknown>] {
  return r.pick<[string, Record<string, unknown>]>([
    ['contribution', { contribution: { vectors: [float64Tensor('update', Float64Array.of(1, 2)), float32Tensor('weight', Float32Array.of(3))] } }],
    ['keys', { secagg: { message: 'advertise-keys', cPk: r.bytes(32), sPk: r.bytes(32) } }],
    ['masked input', { secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: [3], data: r.bytes(12) } } }],
    ['refusal', { refusal: { code: 'error', reason: 'no' } }],
    ['vertical reply', { vertical: { envelopes: [{ peer: 'bank', data: r.bytes(64) }], infoJson: JSON.stringify({ rows: 3 }) } }],
    ['refusal with a huge reason', { refusal: { code: huge(r, 65), reason: huge(r, 2001) } }],
  ]);
}
