/**
 * Model architectures beyond the built-in ones (logistic regression and the dense MLP), as the
 * coordinator needs them: a name, the parameters a job may set, the flat weight layout over a
 * number of encoded inputs, and the initial weights. A job names one as
 * `model: { type: "custom", name, params }`.
 *
 * Registration is process-wide, like a custom layer in TensorFlow.js: every process that handles
 * a job with the model — the coordinator and each participant (whose trainer adds the forward
 * pass, participant/trainer/custom-model.ts) — registers it before the job reaches it. A process
 * that has not registered the name rejects the job with an error that names it.
 */
import type { z } from 'zod';
import type { Layout, Rng } from '../types.ts';
import { layoutSize } from '../types.ts';
import { uniform01 } from '../random.ts';

/** A model architecture, without a tensor library. `P` is the type of its parsed parameters. */
export interface ModelArchitecture<P> {
  /** The job's `model.name`: lower-case letters, digits and dashes, starting with a letter. */
  readonly name: string;
  /** Validates the job's `model.params` (and fills in defaults). */
  readonly params: z.ZodType<P>;
  /**
   * The flat weight layout over `inputDim` encoded inputs: tensor names and shapes in the order
   * the weights travel through aggregation. The model's output is one logit per row.
   */
  layout(params: P, inputDim: number): Layout;
  /** Initial weights in layout order; default {@link glorotInitialWeights}. */
  initialWeights?(params: P, inputDim: number, rng: Rng): Float32Array;
}

/** A registered architecture with its parameter type erased (parameters are parsed first). */
export interface RegisteredArchitecture {
  readonly name: string;
  parseParams(raw: unknown): { ok: true; params: unknown } | { ok: false; error: z.ZodError };
  layout(raw: unknown, inputDim: number): Layout;
  initialWeights(raw: unknown, inputDim: number, rng: Rng): Float32Array;
  /** The object passed to {@link registerModelArchitecture}. */
  readonly source: ModelArchitecture<unknown>;
}

/** A job names a model this process has not registered, or a registration is malformed. */
export class ModelRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRegistryError';
  }
}

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** Names of the built-in model types; a registered model may not take them. */
export const BUILTIN_MODEL_TYPES = ['logistic', 'mlp', 'custom'] as const;

const registered = new Map<string, RegisteredArchitecture>();

/**
 * Glorot-uniform kernels (every tensor of two or more dimensions, fan-in the first dimension
 * and fan-out the product of the others) and zero for every other tensor (biases).
 */
export function glorotInitialWeights(layout: Layout, rng: Rng): Float32Array {
  const out = new Float32Array(layoutSize(layout));
  let off = 0;
  for (const t of layout) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.shape.length >= 2) {
      const fanIn = t.shape[0] ?? 1;
      const limit = Math.sqrt(6 / (fanIn + n / fanIn));
      for (let i = 0; i < n; i++) out[off + i] = (2 * uniform01(rng) - 1) * limit;
    }
    off += n;
  }
  return out;
}

/**
 * Registers an architecture under its name. Registering the same object again is a no-op;
 * another object under a registered name, a built-in name or a malformed name throws.
 */
export function registerModelArchitecture<P>(arch: ModelArchitecture<P>): RegisteredArchitecture {
  if (!NAME.test(arch.name)) {
    throw new ModelRegistryError(`model name "${arch.name}" must be 1–64 lower-case letters, digits or dashes, starting with a letter`);
  }
  if ((BUILTIN_MODEL_TYPES as readonly string[]).includes(arch.name)) {
    throw new ModelRegistryError(`model name "${arch.name}" is a built-in model type; choose another name`);
  }
  const known = registered.get(arch.name);
  if (known) {
    if (known.source === (arch as ModelArchitecture<unknown>)) return known;
    throw new ModelRegistryError(`another model is already registered as "${arch.name}"`);
  }
  const parse = (raw: unknown): P => {
    const r = arch.params.safeParse(raw);
    if (!r.success) throw new ModelRegistryError(`model "${arch.name}": invalid params: ${r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`);
    return r.data;
  };
  const entry: RegisteredArchitecture = {
    name: arch.name,
    source: arch as ModelArchitecture<unknown>,
    parseParams: (raw) => {
      const r = arch.params.safeParse(raw);
      return r.success ? { ok: true, params: r.data } : { ok: false, error: r.error };
    },
    layout: (raw, inputDim) => arch.layout(parse(raw), inputDim),
    initialWeights: (raw, inputDim, rng) => {
      const p = parse(raw);
      return arch.initialWeights ? arch.initialWeights(p, inputDim, rng) : glorotInitialWeights(arch.layout(p, inputDim), rng);
    },
  };
  registered.set(arch.name, entry);
  return entry;
}

/** The registered architecture of `name`, or undefined. */
export function findModelArchitecture(name: string): RegisteredArchitecture | undefined {
  return registered.get(name);
}

/** The registered architecture of `name`; throws a {@link ModelRegistryError} naming the registered ones. */
export function modelArchitecture(name: string): RegisteredArchitecture {
  const a = registered.get(name);
  if (!a) throw new ModelRegistryError(unknownModelMessage(name));
  return a;
}

/** Why a model name cannot be used here. */
export function unknownModelMessage(name: string): string {
  const names = [...registered.keys()].sort();
  return `model "${name}" is not registered in this process (${names.length ? `registered: ${names.join(', ')}` : 'no custom models are registered'}); call registerModel before the job arrives`;
}
