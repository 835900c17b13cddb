// A worker thread of the PSI pool: hashes a chunk of IDs to the curve (and blinds the points when
// the job carries a scalar), or blinds a chunk of points, and reports the time each part took.
import { parentPort } from 'node:worker_threads';
import { blindPoints, encodeIdsToU } from '../../core/psi/kernels.mjs';

parentPort.on('message', (m) => {
  try {
    let t = performance.now();
    let out;
    let hash = 0;
    if (m.op === 'encode') {
      out = encodeIdsToU(m.prefix, m.ids, m.dst);
      hash = (performance.now() - t) / 1000;
      t = performance.now();
    }
    let blind = 0;
    if (m.op === 'blind' || m.scalar) {
      out = blindPoints(out ?? m.points, m.scalar);
      blind = (performance.now() - t) / 1000;
    }
    parentPort.postMessage({ id: m.id, out, hash, blind }, [out.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
