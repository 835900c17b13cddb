/**
 * `fedcredit/scoring`: using a trained model outside the consortium — loading a saved model
 * package, scoring applicants with reason codes, exports and the scoring service.
 */
export { exportModel, fedcreditVersion, logisticScorecard } from './export/exports.ts';
export type { ExportFormat, ExportOptions, ExportResult } from './export/exports.ts';
export { ExportMetadataSchema, METADATA_JSON, parseExportMetadata, readExportMetadata, readExportPackage } from './export/model-package.ts';
export type { DenseLayer, ExportMetadata, ExportPackage } from './export/model-package.ts';
export { exportOnnx, ONNX_EXPORT_FORMAT, ONNX_IR_VERSION, ONNX_OPSET } from './export/onnx-model.ts';
export type { OnnxExportOptions } from './export/onnx-model.ts';
export { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, onnxInputColumns, onnxInputRows } from './export/onnx-input.ts';
export { modelCard } from './export/model-card.ts';
export type { CardBlock, CardSection, ModelCard } from './export/model-card.ts';
export { escapeHtml, modelCardHtml, modelCardMarkdown, renderModelCard } from './export/model-card-render.ts';
export type { CardFormat } from './export/model-card-render.ts';
