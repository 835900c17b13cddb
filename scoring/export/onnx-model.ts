/**
 * ONNX export of logistic regression, the MLP and gradient-boosted trees (onnx-trees.ts). The
 * ModelProto is built with the generated protobuf classes of `onnx-proto` (onnx.proto of ONNX
 * 1.10); the dense models use only standard operators of the default domain at opset 13, the
 * trees add ai.onnx.ml's TreeEnsembleRegressor, so any ONNX runtime from 2020 on loads the file.
 *
 * The dense graph reproduces the whole native scoring path from the applicant's raw values (input
 * contract: onnx-input.ts):
 *
 *   missing   = IsNaN(applicant)
 *   t         = Where(isLog, sign(x)·ln(1 + |x|), x)          (only when a feature uses "log")
 *   t         = Min(Max(t, low), high)                         (only when a feature has a range)
 *   t         = Where(missing, fill, t)                        fill: the mean, t(0), or NaN
 *   z         = (t − mean) / std                               the federated statistics
 *   x         = Gather(Concat(z, Cast(missing)), order)        (only with missing indicators)
 *   h         = act(x·W₀ + b₀) …;  logit = h·W_L + b_L;  probability = Sigmoid(logit)
 *
 * Per-column constants cover every input column: one-hot columns pass through untouched (mean 0,
 * std 1, no clipping) and a NaN there stays NaN, as does a missing value of a feature whose
 * schema says `missing: "error"` — the output is NaN rather than a made-up score.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import { featureNames, transformValue } from '../../core/data/schema.ts';
import { CoreInputError } from '../../core/types.ts';
import type { ExportPackage } from './model-package.ts';
import { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, modelInputSources, onnxInputColumns } from './onnx-input.ts';
import type { GraphPart, OnnxNode, OnnxTensor } from './onnx-nodes.ts';
import { DT, f32, floatAttr, i64, intAttr, matrixInfo, node, onnx, transformNodes } from './onnx-nodes.ts';
import { ML_DOMAIN, ML_OPSET, treeEnsembleNodes } from './onnx-trees.ts';

/** ONNX IR version written (ONNX 1.8+ reads it). */
export const ONNX_IR_VERSION = 7;
/** Opset of the default domain the graph uses. */
export const ONNX_OPSET = 13;
/** Value of the `fedcredit.format` metadata entry. */
export const ONNX_EXPORT_FORMAT = 'fedcredit-onnx/1';

/** Facts written into the model's doc string and metadata. */
export interface OnnxExportOptions {
  /** fedcredit's version, recorded as the producer version. */
  producerVersion: string;
}

/** From the raw input to the model's standardized inputs (named "x"): transform, impute, standardize, add indicators. */
function preprocessingNodes(schema: DataSchema, mean: number[], std: number[]): GraphPart {
  const width = onnxInputColumns(schema).length;
  // One-hot columns pass through (mean 0, std 1); a NaN there, or a refused missing value, stays NaN.
  const fill = new Array<number>(width).fill(Number.NaN);
  const means = new Array<number>(width).fill(0);
  const stds = new Array<number>(width).fill(1);
  schema.numeric.forEach((f, j) => {
    means[j] = mean[j]!;
    stds[j] = std[j]!;
    fill[j] = f.missing === 'mean' ? mean[j]! : f.missing === 'zero' ? transformValue(f, 0) : Number.NaN;
  });
  const { nodes, init, output: t } = transformNodes(schema);
  init.push(f32('fill', [width], fill), f32('mean', [width], means), f32('std', [width], stds));
  nodes.push(node('Where', ['missing', 'fill', t], ['imputed']), node('Sub', ['imputed', 'mean'], ['centred']));
  const sources = modelInputSources(schema);
  if (sources.every((s) => 'column' in s)) {
    nodes.push(node('Div', ['centred', 'std'], ['x']));
    return { nodes, init };
  }
  // With missing indicators: pick the model's inputs from [standardized columns | indicators].
  const order = sources.map((s) => ('column' in s ? s.column : width + s.missingOf));
  init.push(i64('input_order', [order.length], order));
  nodes.push(
    node('Div', ['centred', 'std'], ['standardized']),
    node('Cast', ['missing'], ['indicators'], [intAttr('to', DT.FLOAT)]),
    node('Concat', ['standardized', 'indicators'], ['with_indicators'], [intAttr('axis', 1)]),
    node('Gather', ['with_indicators', 'input_order'], ['x'], [intAttr('axis', 1)]),
  );
  return { nodes, init };
}

/** The dense layers from "x" to the logit and probability outputs. */
function denseNodes(pkg: ExportPackage): GraphPart {
  const nodes: OnnxNode[] = [];
  const init: OnnxTensor[] = [];
  let h = 'x';
  pkg.layers.forEach((l, i) => {
    const last = i === pkg.layers.length - 1;
    init.push(f32(`dense_${i}/kernel`, [l.inputs, l.units], l.kernel), f32(`dense_${i}/bias`, [l.units], l.bias));
    const out = last ? ONNX_LOGIT : `dense_${i}/linear`;
    nodes.push(node('Gemm', [h, `dense_${i}/kernel`, `dense_${i}/bias`], [out]));
    if (last) return;
    const act = pkg.model.type === 'mlp' ? pkg.model.activation : 'relu';
    const a = `dense_${i}/${act}`;
    if (act === 'relu') nodes.push(node('Relu', [out], [a]));
    else if (act === 'tanh') nodes.push(node('Tanh', [out], [a]));
    else nodes.push(node('Elu', [out], [a], [floatAttr('alpha', 1)]));
    h = a;
  });
  nodes.push(node('Sigmoid', [ONNX_LOGIT], [ONNX_PROBABILITY]));
  return { nodes, init };
}

/** The model's doc string: what it is and how to feed it. */
export function onnxDocString(pkg: ExportPackage): string {
  const m = pkg.metadata;
  return (
    `fedcredit ${pkg.model.type} credit-risk model of job ${m.jobId} (${m.job.name}), trained federated over ${m.data.members.length} members. ` +
    `Input "${ONNX_INPUT}": float32 [N, ${onnxInputColumns(pkg.schema).length}], columns as listed in metadata "fedcredit.input_columns": ` +
    'numeric features in original units (NaN when missing), then one 0/1 column per categorical level. ' +
    `Outputs "${ONNX_PROBABILITY}" (probability of default) and "${ONNX_LOGIT}", both [N, 1]. Privacy: ${m.privacy.guarantee}`
  );
}

/** The graph's nodes and constants for the package's model; refuses models it cannot export. */
function modelGraph(pkg: ExportPackage): GraphPart {
  if (pkg.model.type === 'gbdt') {
    if (!pkg.trees) throw new CoreInputError('the model package has no trees loaded', 'trees');
    return treeEnsembleNodes(pkg.schema, pkg.trees);
  }
  if (pkg.model.type !== 'logistic' && pkg.model.type !== 'mlp') {
    throw new CoreInputError(`ONNX export supports logistic regression, the MLP and gbdt; job ${pkg.metadata.jobId} trained the custom model "${pkg.model.name}"`, 'model');
  }
  if (pkg.layers.length === 0) throw new CoreInputError('the model package has no dense layers loaded', 'layers');
  const m = pkg.metadata;
  const pre = preprocessingNodes(pkg.schema, m.preprocessing.mean, m.preprocessing.std);
  const dense = denseNodes(pkg);
  return { nodes: [...pre.nodes, ...dense.nodes], init: [...pre.init, ...dense.init] };
}

/** The ONNX model of a saved logistic regression, MLP or gbdt model, serialized (the bytes of a .onnx file). */
export function exportOnnx(pkg: ExportPackage, o: OnnxExportOptions): Uint8Array {
  const m = pkg.metadata;
  const columns = onnxInputColumns(pkg.schema);
  const part = modelGraph(pkg);
  const graph = onnx.GraphProto.create({
    name: `fedcredit_${pkg.model.type}`,
    docString: onnxDocString(pkg),
    node: part.nodes,
    initializer: part.init,
    input: [matrixInfo(ONNX_INPUT, columns.length, `columns: ${columns.join(', ')}`)],
    output: [matrixInfo(ONNX_PROBABILITY, 1, 'probability of default'), matrixInfo(ONNX_LOGIT, 1, 'log-odds of default, ln(p / (1 − p))')],
  });
  const props: Record<string, string> = {
    'fedcredit.format': ONNX_EXPORT_FORMAT,
    'fedcredit.job_id': m.jobId,
    'fedcredit.job_name': m.job.name,
    'fedcredit.model': JSON.stringify(pkg.model),
    'fedcredit.input_columns': JSON.stringify(columns),
    'fedcredit.model_inputs': JSON.stringify(pkg.model.type === 'gbdt' ? columns : featureNames(pkg.schema)),
    'fedcredit.schema': JSON.stringify(pkg.schema),
    'fedcredit.preprocessing': JSON.stringify(m.preprocessing),
    'fedcredit.guarantee': m.privacy.guarantee,
    'fedcredit.metrics': JSON.stringify(m.metrics),
    'fedcredit.members': JSON.stringify(m.data.members),
    ...(m.finishedAt ? { 'fedcredit.finished_at': m.finishedAt } : {}),
  };
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(pkg.model.type === 'gbdt' ? [{ domain: ML_DOMAIN, version: ML_OPSET }] : [])],
    producerName: 'fedcredit',
    producerVersion: o.producerVersion,
    domain: 'local.fedcredit',
    modelVersion: 1,
    docString: onnxDocString(pkg),
    graph,
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
