/**
 * Building blocks of the exported ONNX graphs, over the generated protobuf classes of
 * `onnx-proto`: tensors, nodes, attributes and value infos, and the part every graph shares —
 * the schema's per-feature transform of the raw input (`log`, then clipping to the range).
 */
import onnxProto from 'onnx-proto';
import type { DataSchema } from '../../core/data/schema.ts';
import { ONNX_INPUT, onnxInputColumns } from './onnx-input.ts';

export const { onnx } = onnxProto;
export const DT = onnx.TensorProto.DataType;
export type OnnxNode = InstanceType<typeof onnx.NodeProto>;
export type OnnxTensor = InstanceType<typeof onnx.TensorProto>;
type Attribute = InstanceType<typeof onnx.AttributeProto>;
const AT = onnx.AttributeProto.AttributeType;

/** Nodes and constant tensors (initializers) of a part of a graph. */
export interface GraphPart {
  nodes: OnnxNode[];
  init: OnnxTensor[];
}

/** A float32 constant. */
export const f32 = (name: string, dims: number[], values: ArrayLike<number>): OnnxTensor =>
  onnx.TensorProto.create({ name, dataType: DT.FLOAT, dims, floatData: Array.from(values) });
/** An int64 constant. */
export const i64 = (name: string, dims: number[], values: number[]): OnnxTensor => onnx.TensorProto.create({ name, dataType: DT.INT64, dims, int64Data: values });
/** A node named after its first output. */
export const node = (opType: string, input: string[], output: string[], attribute: Attribute[] = [], domain = ''): OnnxNode =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute, ...(domain ? { domain } : {}) });
export const intAttr = (name: string, i: number): Attribute => onnx.AttributeProto.create({ name, type: AT.INT, i });
export const floatAttr = (name: string, f: number): Attribute => onnx.AttributeProto.create({ name, type: AT.FLOAT, f });
export const intsAttr = (name: string, ints: number[]): Attribute => onnx.AttributeProto.create({ name, type: AT.INTS, ints });
export const floatsAttr = (name: string, floats: number[]): Attribute => onnx.AttributeProto.create({ name, type: AT.FLOATS, floats });
export const stringAttr = (name: string, s: string): Attribute => onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(s) });
export const stringsAttr = (name: string, strings: string[]): Attribute =>
  onnx.AttributeProto.create({ name, type: AT.STRINGS, strings: strings.map((s) => new TextEncoder().encode(s)) });
/** A float32 [N, columns] graph input or output. */
export const matrixInfo = (name: string, columns: number, doc: string) =>
  onnx.ValueInfoProto.create({ name, docString: doc, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: columns }] } } } });

/**
 * From the raw input to each numeric feature's transformed value: "missing" = IsNaN(input), then
 * sign(x)·ln(1 + |x|) on the columns of features with transform "log" and clipping to the
 * features' ranges, each only when some feature needs it. Other columns pass through. Missing
 * cells hold whatever Max/Min made of NaN: callers replace them with `Where(missing, …)`.
 * Returns the part and the name of its output.
 */
export function transformNodes(schema: DataSchema): GraphPart & { output: string } {
  const width = onnxInputColumns(schema).length;
  const nodes: OnnxNode[] = [node('IsNaN', [ONNX_INPUT], ['missing'])];
  const init: OnnxTensor[] = [];
  let t = ONNX_INPUT;
  if (schema.numeric.some((f) => f.transform === 'log')) {
    const isLog = new Array<number>(width).fill(0);
    schema.numeric.forEach((f, j) => (isLog[j] = f.transform === 'log' ? 1 : 0));
    init.push(f32('one', [], [1]), onnx.TensorProto.create({ name: 'is_log', dataType: DT.BOOL, dims: [width], int32Data: isLog }));
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
    const low = new Array<number>(width).fill(-Infinity);
    const high = new Array<number>(width).fill(Infinity);
    schema.numeric.forEach((f, j) => {
      if (f.range) [low[j], high[j]] = f.range;
    });
    init.push(f32('low', [width], low), f32('high', [width], high));
    nodes.push(node('Max', [t, 'low'], ['above_low']), node('Min', ['above_low', 'high'], ['clipped']));
    t = 'clipped';
  }
  return { nodes, init, output: t };
}
