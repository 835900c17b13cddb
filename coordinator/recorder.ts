/**
 * Optional audit record of every message the coordinator receives on the Fleet service
 * (`--record-messages FILE`): one JSON line per message, float tensors decoded to numbers, bytes
 * and other tensors (the UINT32 masked vectors of secure aggregation) as base64. It exists so
 * that an auditor (and our end-to-end test) can check what institutions actually sent: only
 * model-sized vectors and aggregates, never rows.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Appends received messages to a JSON-lines file. */
export class MessageRecorder {
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  /**
   * Records one inbound message of `rpc`. A message that cannot be serialized (e.g. one too large
   * for a string) leaves a line saying so, and the call goes on to be validated.
   */
  record(rpc: string, message: unknown): void {
    const time = new Date().toISOString();
    let line: string;
    try {
      line = JSON.stringify({ time, rpc, message: toPlain(message) });
    } catch (err) {
      line = JSON.stringify({ time, rpc, notRecorded: (err as Error).message });
    }
    appendFileSync(this.file, line + '\n');
  }
}

function decodeTensorData(dtype: string, data: Buffer): number[] | string {
  const bytes = new Uint8Array(data).slice();
  if (dtype === 'FLOAT64' && bytes.length % 8 === 0) return Array.from(new Float64Array(bytes.buffer));
  if (dtype === 'FLOAT32' && bytes.length % 4 === 0) return Array.from(new Float32Array(bytes.buffer));
  return data.toString('base64');
}

function toPlain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.dtype === 'string' && Buffer.isBuffer(o.data)) {
      return { name: o.name, dtype: o.dtype, shape: o.shape, values: decodeTensorData(o.dtype, o.data) };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
