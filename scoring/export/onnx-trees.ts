/**
 * The ONNX graph of a gradient-boosted tree model: the raw input transformed as the trees read
 * it (the schema's `log` and range clipping, missing values kept as NaN — trees are not
 * standardized and learn where missing values go), then one `TreeEnsembleRegressor` of the
 * ai.onnx.ml domain summing the trees' leaves onto the base score, and a sigmoid.
 *
 * fedcredit's split "value ≤ threshold goes left, a missing value goes where the split learned"
 * maps onto BRANCH_LEQ with the left child as the true branch and
 * `nodes_missing_value_tracks_true` = the learned direction; the threshold that sends every
 * present value left (the largest float32) keeps that meaning under ≤.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import type { ScoringModel } from '../../core/trees/model-pack.ts';
import { CoreInputError } from '../../core/types.ts';
import { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, onnxInputColumns } from './onnx-input.ts';
import type { GraphPart } from './onnx-nodes.ts';
import { f32, floatsAttr, i64, intAttr, intsAttr, node, stringAttr, stringsAttr, transformNodes } from './onnx-nodes.ts';

/** Domain of the classical machine-learning operators. */
export const ML_DOMAIN = 'ai.onnx.ml';
/** Opset of the ai.onnx.ml domain the tree graph uses (TreeEnsembleRegressor since version 1). */
export const ML_OPSET = 1;

/** The attributes of a TreeEnsembleRegressor computing base + Σ trees for `model`. */
function ensembleAttributes(model: ScoringModel) {
  const a = {
    treeIds: [] as number[], nodeIds: [] as number[], features: [] as number[], values: [] as number[], modes: [] as string[],
    trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[],
    targetTree: [] as number[], targetNode: [] as number[], targetWeight: [] as number[],
  };
  model.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i]! < 0;
      a.treeIds.push(t);
      a.nodeIds.push(i);
      a.features.push(leaf ? 0 : tree.feature[i]!);
      a.values.push(leaf ? 0 : tree.threshold[i]!);
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      a.trueIds.push(leaf ? 0 : tree.left[i]!);
      a.falseIds.push(leaf ? 0 : tree.right[i]!);
      a.missingTrue.push(leaf ? 0 : tree.defaultLeft[i]!);
      if (leaf) {
        a.targetTree.push(t);
        a.targetNode.push(i);
        a.targetWeight.push(tree.value[i]!);
      }
    }
  });
  return [
    intsAttr('nodes_treeids', a.treeIds), intsAttr('nodes_nodeids', a.nodeIds), intsAttr('nodes_featureids', a.features),
    floatsAttr('nodes_values', a.values), stringsAttr('nodes_modes', a.modes), intsAttr('nodes_truenodeids', a.trueIds),
    intsAttr('nodes_falsenodeids', a.falseIds), intsAttr('nodes_missing_value_tracks_true', a.missingTrue),
    intsAttr('target_treeids', a.targetTree), intsAttr('target_nodeids', a.targetNode), intsAttr('target_ids', a.targetTree.map(() => 0)),
    floatsAttr('target_weights', a.targetWeight), floatsAttr('base_values', [model.baseScore]), intAttr('n_targets', 1),
    stringAttr('aggregate_function', 'SUM'), stringAttr('post_transform', 'NONE'),
  ];
}

/** From the raw input to the logit and probability outputs of a boosted model. */
export function treeEnsembleNodes(schema: DataSchema, model: ScoringModel): GraphPart {
  if (model.trees.length === 0) throw new CoreInputError('the boosted model has no trees to export', 'trees');
  const width = onnxInputColumns(schema).length;
  const { nodes, init, output } = transformNodes(schema);
  // A NaN where the schema allows no missing value (a "missing: error" feature, a one-hot
  // column) makes the row's logit NaN, as in the dense graphs, instead of following a split.
  const refused = new Array<number>(width).fill(Number.NaN);
  schema.numeric.forEach((f, j) => (refused[j] = f.missing === 'error' ? Number.NaN : 0));
  init.push(f32('nan_if_refused', [width], refused), f32('zeros', [width], new Array<number>(width).fill(0)), i64('row_axis', [1], [1]));
  nodes.push(
    // Max/Min may turn NaN into a bound: take missing cells from the raw input again.
    node('Where', ['missing', ONNX_INPUT, output], ['tree_features']),
    node('TreeEnsembleRegressor', ['tree_features'], ['margin'], ensembleAttributes(model), ML_DOMAIN),
    node('Where', ['missing', 'nan_if_refused', 'zeros'], ['refused_cells']),
    node('ReduceSum', ['refused_cells', 'row_axis'], ['refused_row'], [intAttr('keepdims', 1)]),
    node('Add', ['margin', 'refused_row'], [ONNX_LOGIT]),
    node('Sigmoid', [ONNX_LOGIT], [ONNX_PROBABILITY]),
  );
  return { nodes, init };
}
