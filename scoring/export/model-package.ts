/**
 * A saved model package as the exports see it: read through the package loader
 * (../package-load.ts, the one reader of the package format), then reshaped for the graph and
 * card builders — the flat weights of logistic regression and the MLP cut into dense layers,
 * the packed trees of a gbdt model unpacked into arrays per tree.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import type { ModelSpec } from '../../core/job.ts';
import { denseUnits } from '../../core/model/layout.ts';
import type { DenseModelSpec } from '../../core/model/layout.ts';
import { unpackBoosted } from '../../core/trees/model-pack.ts';
import type { ScoringModel } from '../../core/trees/model-pack.ts';
import type { ModelMetadata } from '../package-format.ts';
import { loadModelPackage, readPackageMetadata } from '../package-load.ts';

/** One dense layer of a trained model: kernel [inputs × units] row-major, and bias [units]. */
export interface DenseLayer {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** A saved model as the exports see it. */
export interface ExportPackage {
  dir: string;
  metadata: ModelMetadata;
  schema: DataSchema;
  model: ModelSpec;
  /** The dense layers, input first (logistic regression and the MLP only; empty otherwise). */
  layers: DenseLayer[];
  /** The trees of a gbdt model, with thresholds in the tree features' units. */
  trees?: ScoringModel;
}

/** The dense layers of a flat weight vector in `modelLayout` order (kernel, then bias, per layer). */
function denseLayers(weights: Float32Array, spec: DenseModelSpec, inputDim: number): DenseLayer[] {
  let inputs = inputDim;
  let off = 0;
  return denseUnits(spec).map((units) => {
    const start = off;
    off += inputs * units + units;
    const layer = { inputs, units, kernel: weights.slice(start, off - units), bias: weights.slice(off - units, off) };
    inputs = units;
    return layer;
  });
}

/**
 * Reads a saved model package: its metadata and, for logistic regression and the MLP, its dense
 * layers; for gbdt, its trees. Custom models come back with neither (no export reads their
 * weights, and their architecture need not be registered in this process).
 */
export async function readExportPackage(dir: string): Promise<ExportPackage> {
  const head = readPackageMetadata(dir);
  if (head.job.model.type === 'custom') return { dir, metadata: head, schema: head.schema, model: head.job.model, layers: [] };
  const { metadata, schema, job, model } = await loadModelPackage(dir);
  const base = { dir, metadata, schema, model: job.model };
  if (model.kind === 'gbdt') return { ...base, layers: [], trees: unpackBoosted(model.packed, model.features.length) };
  return { ...base, layers: model.spec.type === 'custom' ? [] : denseLayers(model.weights, model.spec, model.inputDim) };
}
