/**
 * ONNX export of logistic regression and the MLP. The ModelProto is built with the generated
 * protobuf classes of `onnx-proto` (onnx.proto of ONNX 1.10); only standard operators of the
 * default domain at opset 13 are used, so any ONNX runtime from 2020 on loads the file.
 *
 * The graph reproduces the whole native scoring path from the applicant's raw values (input
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
import onnxProto from 'onnx-proto';
import type { DataSchema } from '../../core/data/schema.ts';
import { featureNames, transformValue } from '../../core/data/schema.ts';
import { CoreInputError } from '../../core/types.ts';
import type { ExportPackage } from './model-package.ts';
import { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, modelInputSources, onnxInputColumns } from './onnx-input.ts';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
type Node = InstanceType<typeof onnx.NodeProto>;
type Tensor = InstanceType<typeof onnx.TensorProto>;

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

const f32 = (name: string, dims: number[], values: ArrayLike<number>): Tensor => onnx.TensorProto.create({ name, dataType: DT.FLOAT, dims, floatData: Array.from(values) });
const node = (opType: string, input: string[], output: string[], attribute: InstanceType<typeof onnx.AttributeProto>[] = []): Node =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });
const intAttr = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const floatAttr = (name: string, f: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const matrixInfo = (name: string, columns: number, doc: string) =>
  onnx.ValueInfoProto.create({ name, docString: doc, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: columns }] } } } });

/** Per-input-column constants of the preprocessing part of the graph. */
function columnConstants(schema: DataSchema, mean: number[], std: number[]) {
  const width = onnxInputColumns(schema).length;
  const c = {
    isLog: new Array<number>(width).fill(0),
    low: new Array<number>(width).fill(-Infinity),
    high: new Array<number>(width).fill(Infinity),
    fill: new Array<number>(width).fill(Number.NaN),
    mean: new Array<number>(width).fill(0),
    std: new Array<number>(width).fill(1),
  };
  schema.numeric.forEach((f, j) => {
    if (f.transform === 'log') c.isLog[j] = 1;
    if (f.range) [c.low[j], c.high[j]] = f.range;
    c.mean[j] = mean[j]!;
    c.std[j] = std[j]!;
    c.fill[j] = f.missing === 'mean' ? mean[j]! : f.missing === 'zero' ? transformValue(f, 0) : Number.NaN;
  });
  return c;
}

/** The nodes and constants from the raw input to the model's standardized inputs (named "x"). */
function preprocessingNodes(schema: DataSchema, mean: number[], std: number[]): { nodes: Node[]; init: Tensor[] } {
  const width = onnxInputColumns(schema).length;
  const c = columnConstants(schema, mean, std);
  const nodes: Node[] = [node('IsNaN', [ONNX_INPUT], ['missing'])];
  const init: Tensor[] = [];
  let t = ONNX_INPUT;
  if (schema.numeric.some((f) => f.transform === 'log')) {
    init.push(f32('one', [], [1]), onnx.TensorProto.create({ name: 'is_log', dataType: DT.BOOL, dims: [width], int32Data: c.isLog }));
    nodes.push(
      node('Abs', [t], ['abs']),
      node('Add', ['abs', 'one'], ['abs_plus_one']),
      node('Log', ['abs_plus_one'], ['log_abs']),
      node('Sign', [t], ['sign']),
      node('Mul', ['sign', 'log_abs'], ['signed_log']),
      node('Where', ['is_log', 'signed_log', t], ['transformed']),
    );
    t = 'transformed';
  }
  if (schema.numeric.some((f) => f.range)) {
    init.push(f32('low', [width], c.low), f32('high', [width], c.high));
    nodes.push(node('Max', [t, 'low'], ['above_low']), node('Min', ['above_low', 'high'], ['clipped']));
    t = 'clipped';
  }
  init.push(f32('fill', [width], c.fill), f32('mean', [width], c.mean), f32('std', [width], c.std));
  nodes.push(node('Where', ['missing', 'fill', t], ['imputed']), node('Sub', ['imputed', 'mean'], ['centred']));
  const sources = modelInputSources(schema);
  if (sources.every((s) => 'column' in s)) {
    nodes.push(node('Div', ['centred', 'std'], ['x']));
    return { nodes, init };
  }
  // With missing indicators: pick the model's inputs from [standardized columns | indicators].
  const order = sources.map((s) => ('column' in s ? s.column : width + s.missingOf));
  init.push(onnx.TensorProto.create({ name: 'input_order', dataType: DT.INT64, dims: [order.length], int64Data: order }));
  nodes.push(
    node('Div', ['centred', 'std'], ['standardized']),
    node('Cast', ['missing'], ['indicators'], [intAttr('to', DT.FLOAT)]),
    node('Concat', ['standardized', 'indicators'], ['with_indicators'], [intAttr('axis', 1)]),
    node('Gather', ['with_indicators', 'input_order'], ['x'], [intAttr('axis', 1)]),
  );
  return { nodes, init };
}

/** The dense layers from "x" to the logit and probability outputs. */
function denseNodes(pkg: ExportPackage): { nodes: Node[]; init: Tensor[] } {
  const nodes: Node[] = [];
  const init: Tensor[] = [];
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
    `fedcredit ${pkg.model.type} credit-risk model of job ${m.jobId} (${m.job.name}), trained federated over ${m.participants.length} members. ` +
    `Input "${ONNX_INPUT}": float32 [N, ${onnxInputColumns(pkg.schema).length}], columns as listed in metadata "fedcredit.input_columns": ` +
    'numeric features in original units (NaN when missing), then one 0/1 column per categorical level. ' +
    `Outputs "${ONNX_PROBABILITY}" (probability of default) and "${ONNX_LOGIT}", both [N, 1]. Privacy: ${m.guarantee}`
  );
}

/** The ONNX model of a dense saved model, serialized (the bytes of a .onnx file). */
export function exportOnnx(pkg: ExportPackage, o: OnnxExportOptions): Uint8Array {
  if (pkg.model.type !== 'logistic' && pkg.model.type !== 'mlp') {
    throw new CoreInputError(`ONNX export supports logistic regression and the MLP; job ${pkg.metadata.jobId} trained a ${pkg.model.type} model`, 'model');
  }
  if (pkg.layers.length === 0) throw new CoreInputError('the model package has no dense layers loaded', 'layers');
  const m = pkg.metadata;
  const columns = onnxInputColumns(pkg.schema);
  const pre = preprocessingNodes(pkg.schema, m.preprocessing.mean, m.preprocessing.std);
  const dense = denseNodes(pkg);
  const graph = onnx.GraphProto.create({
    name: `fedcredit_${pkg.model.type}`,
    docString: onnxDocString(pkg),
    node: [...pre.nodes, ...dense.nodes],
    initializer: [...pre.init, ...dense.init],
    input: [matrixInfo(ONNX_INPUT, columns.length, `columns: ${columns.join(', ')}`)],
    output: [matrixInfo(ONNX_PROBABILITY, 1, 'probability of default'), matrixInfo(ONNX_LOGIT, 1, 'log-odds of default, ln(p / (1 − p))')],
  });
  const props: Record<string, string> = {
    'fedcredit.format': ONNX_EXPORT_FORMAT,
    'fedcredit.job_id': m.jobId,
    'fedcredit.job_name': m.job.name,
    'fedcredit.model': JSON.stringify(pkg.model),
    'fedcredit.input_columns': JSON.stringify(columns),
    'fedcredit.model_inputs': JSON.stringify(featureNames(pkg.schema)),
    'fedcredit.schema': JSON.stringify(pkg.schema),
    'fedcredit.preprocessing': JSON.stringify(m.preprocessing),
    'fedcredit.guarantee': m.guarantee,
    'fedcredit.metrics': JSON.stringify(m.federated),
    'fedcredit.members': JSON.stringify(m.participants),
    ...(m.finishedAt ? { 'fedcredit.finished_at': m.finishedAt } : {}),
  };
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
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
