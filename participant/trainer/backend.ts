/**
 * Selection of the tfjs backend a participant trains on.
 *
 * Candidates, in the default order (the issue's: tfjs-node if it loads, else wasm, else cpu):
 *  1. `tensorflow` — `@tensorflow/tfjs-node` (native libtensorflow). It is an optional
 *     dependency whose install downloads a native library, so it is imported dynamically and a
 *     failure to load it is recorded, not thrown.
 *  2. `wasm` — `@tensorflow/tfjs-backend-wasm` (XNNPACK). In Node its `.wasm` binaries are read
 *     from the package's own `dist/` folder in node_modules, located with `createRequire`, so
 *     nothing is fetched over the network.
 *  3. `cpu` — the pure-JavaScript kernels bundled with `@tensorflow/tfjs`.
 *
 * Measurement behind keeping wasm before cpu (bench-trainer.ts: one local epoch of 5,000 × 30
 * rows, batch 64, sgd, min–median of 5–9 warm runs in separate processes; Node 20, 2 shared
 * vCPUs, AMD EPYC; tfjs 4.22):
 *    logistic      cpu  34–70 ms      wasm  36–76 ms     (tie: per-op dispatch dominates)
 *    mlp[16]       cpu  73–125 ms     wasm  49–91 ms     (wasm ≈ 1.5× faster)
 *    mlp[128,64]   cpu  0.81–1.05 s   wasm  0.21–0.33 s  (wasm ≈ 4× faster)
 *    scoring 5,000 rows with mlp[16]: cpu ≈ 21–24 ms, wasm ≈ 2–3 ms
 * The first epoch in a process is 3–6× slower on both (V8 warming up tfjs' dispatch code).
 * wasm is never clearly slower than cpu for our models and wins as soon as layers grow, so the
 * issue's order stands. `FEDCREDIT_BACKEND` (or `preferred`) forces another choice.
 *
 * The backend is process-global in tfjs, so the selection runs once per process: later calls
 * return the first result whatever preference they pass.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Names of the backends fedcredit knows how to load. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** All known backend names. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Default order of preference when nothing is configured (see the module header). */
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Environment variable that overrides the preferred backend. */
export const BACKEND_ENV = 'FEDCREDIT_BACKEND';

/** One attempt to activate a backend. `error` is absent when it succeeded. */
export interface BackendAttempt {
  name: string;
  error?: string;
}

/** Result of {@link initBackend}: the active backend and every attempt made, in order. */
export interface BackendInfo {
  name: string;
  tried: BackendAttempt[];
}

let selection: Promise<BackendInfo> | undefined;
let wasmPathsSet = false;
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

/** Whether `name` is a known backend name. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * Candidate order: the preference first, then the default order without it. The environment
 * variable {@link BACKEND_ENV} wins over `preferred`; an unknown name there throws, because a
 * misspelt setting should not silently train on another backend. `env` defaults to (also when
 * passed `undefined`) the process environment; pass '' for "not set".
 */
export function backendOrder(preferred?: BackendName, env: string | undefined = process.env[BACKEND_ENV]): BackendName[] {
  let first = preferred;
  const fromEnv = env?.trim().toLowerCase();
  if (fromEnv) {
    if (!isBackendName(fromEnv)) {
      throw new Error(`${BACKEND_ENV}=${JSON.stringify(env)} is not one of ${BACKEND_NAMES.join(', ')}`);
    }
    first = fromEnv;
  }
  if (!first) return [...DEFAULT_BACKEND_ORDER];
  return [first, ...DEFAULT_BACKEND_ORDER.filter((n) => n !== first)];
}

/** The directory (with trailing separator) holding the wasm backend's `.wasm` binaries. */
export function wasmBinaryDir(): string {
  const entry = createRequire(import.meta.url).resolve(TFJS_WASM);
  return path.dirname(entry) + path.sep;
}

/** Loads (if needed) the package behind `name` so that the backend is registered with tfjs. */
async function register(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const specifier: string = TFJS_NODE;
    await import(specifier);
    if (!tf.findBackendFactory('tensorflow')) {
      throw new Error(`${TFJS_NODE} loaded but registered no backend with this @tensorflow/tfjs instance (version mismatch?)`);
    }
  } else if (name === 'wasm') {
    const wasm = await import(TFJS_WASM);
    if (!wasmPathsSet) {
      wasm.setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
  }
}

/**
 * Loads and activates one backend, throwing if it cannot be used. Unlike {@link initBackend} this
 * is not cached; benchmarks and tests use it to switch between backends in one process.
 */
export async function activateBackend(name: BackendName): Promise<void> {
  await register(name);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialize the backend`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tfjs reports backend '${tf.getBackend()}' after selecting '${name}'`);
  // The cpu backend prints an advert for tfjs-node on first use; fedcredit reports the backend
  // it selected itself (CLI and logs), so the banner is switched off.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

async function select(order: BackendName[]): Promise<BackendInfo> {
  const tried: BackendAttempt[] = [];
  for (const name of order) {
    try {
      await activateBackend(name);
      tried.push({ name });
      return { name, tried };
    } catch (err) {
      tried.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const detail = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
  throw new Error(`no tfjs backend could be initialized (${detail})`);
}

/**
 * Activates the best available backend once per process and reports what was tried. Order:
 * `preferred` (or `FEDCREDIT_BACKEND`) first, then {@link DEFAULT_BACKEND_ORDER}. Idempotent:
 * every later call returns the same result (the same promise), even with another preference.
 * A failed selection is not cached, so a caller may retry.
 */
export function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  if (!selection) {
    let attempt: Promise<BackendInfo>;
    try {
      attempt = select(backendOrder(preferred));
    } catch (err) {
      return Promise.reject(err);
    }
    selection = attempt.catch((err: unknown) => {
      selection = undefined;
      throw err;
    });
  }
  return selection;
}
