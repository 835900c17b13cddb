// A worker thread of the PSI pool: runs one chunk of hashing to the curve or blinding.
import { parentPort } from 'node:worker_threads';
import { blindPoints, encodeToU } from '../../core/psi/kernels.mjs';

parentPort.on('message', (m) => {
  try {
    const out = m.op === 'encode' ? encodeToU(m.messages, m.dst) : blindPoints(m.points, m.scalar);
    parentPort.postMessage({ id: m.id, out }, [out.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
