/**
 * The model card of a saved model: what it is, what it was trained on and how, how well it
 * scores, what privacy it was trained under, and what it is for and not for. Built as plain
 * sections (key–value lists, tables, paragraphs) that model-card-render.ts turns into Markdown or
 * HTML, so both say the same and every value is escaped in one place.
 */
import { encodedLevels, featureNames } from '../../core/data/schema.ts';
import { treeFeatureNames } from '../../core/trees/features.ts';
import type { ModelMetadata } from '../package-format.ts';
import type { ExportPackage } from './model-package.ts';

/** A block of a card section. */
export type CardBlock =
  | { kind: 'facts'; rows: [string, string][] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] };

/** A titled section of a card. */
export interface CardSection {
  title: string;
  blocks: CardBlock[];
}

/** A model card: a title and its sections. */
export interface ModelCard {
  title: string;
  sections: CardSection[];
}

const metric = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? 'not available' : x.toFixed(digits));
const num = (x: number) => String(Number(x.toPrecision(6)));

function modelFacts(pkg: ExportPackage): [string, string][] {
  const m = pkg.model;
  if (m.type === 'logistic') return [['Model', 'logistic regression (one dense unit, sigmoid output)']];
  if (m.type === 'mlp') return [['Model', `multilayer perceptron, hidden layers [${m.hidden.join(', ')}], ${m.activation} activation, dropout ${m.dropout} in training, sigmoid output`]];
  if (m.type === 'gbdt') {
    return [['Model', `gradient-boosted trees: ${pkg.trees?.trees.length ?? pkg.metadata.job.rounds} trees of depth ≤ ${m.maxDepth}, learning rate ${m.learningRate}, λ ${m.lambda}, γ ${m.gamma}, min child weight ${m.minChildWeight}, ${m.maxBins} bins per feature`]];
  }
  return [['Model', `custom model "${m.name}", parameters ${JSON.stringify(m.params)}`]];
}

function featureTable(pkg: ExportPackage): CardBlock {
  const { schema } = pkg;
  const { mean, std } = pkg.metadata.preprocessing;
  const trees = pkg.model.type === 'gbdt';
  const rows: string[][] = schema.numeric.map((f, j) => [
    f.name,
    'numeric',
    [
      f.transform === 'log' ? 'sign(x)·ln(1 + |x|)' : 'as is',
      f.range ? `clipped to [${f.range[0]}, ${f.range[1]}]` : 'not clipped',
      trees ? 'split on in these units (not standardized)' : `standardized with mean ${num(mean[j]!)}, std ${num(std[j]!)}`,
    ].join('; '),
    f.missing === 'error'
      ? 'refused'
      : trees
        ? 'kept missing: each split learned which side missing values go to'
        : `${f.missing === 'mean' ? 'the mean' : 'the value 0'}${f.indicator ? ', plus a 0/1 missing indicator input' : ''}`,
  ]);
  for (const f of schema.categorical) {
    rows.push([
      f.name,
      'categorical',
      `one-hot over ${encodedLevels(f).join(', ')}${f.unseen === 'other' ? ' (__other__: any value not listed)' : '; a value not listed is refused'}`,
      f.missing === 'level' ? 'its own level __missing__' : 'refused',
    ]);
  }
  return { kind: 'table', header: ['feature', 'type', 'encoding', 'when missing'], rows };
}

/** The model's inputs in order, and how the preprocessing statistics were obtained. */
function inputsAndPreprocessing(pkg: ExportPackage): { inputs: string[]; preprocessing: string } {
  if (pkg.model.type === 'gbdt') {
    return {
      inputs: treeFeatureNames(pkg.schema),
      preprocessing:
        "Split candidates are quantile bin edges of each numeric feature, found from counts over a public grid that the members summed (secure sums where the aggregation is secure); the trees' thresholds are these edges.",
    };
  }
  return {
    inputs: featureNames(pkg.schema),
    preprocessing:
      "Means and standard deviations were computed federated, from sums over all members' rows (secure sums where the aggregation is secure), after each feature's transform and clipping; missing values are excluded from them.",
  };
}

function trainingFacts(m: ModelMetadata): [string, string][] {
  const j = m.job;
  const strategy = j.strategy.type === 'custom' ? `custom "${j.strategy.name}"` : j.strategy.type;
  const rows: [string, string][] = [
    ['Rounds', String(j.rounds)],
    ['Members', `${m.data.members.length}: ${m.data.members.join(', ')}`],
    ['Minimum members per round', String(j.minParticipants)],
    ['Aggregation', j.aggregation === 'secagg' ? 'secure aggregation (the coordinator sees only sums)' : 'plain (the coordinator sees each update)'],
  ];
  if (j.model.type !== 'gbdt') {
    const t = j.train;
    const cw = typeof t.classWeights === 'string' ? t.classWeights : `positive ${t.classWeights.positive}, negative ${t.classWeights.negative}`;
    rows.push(
      ['Strategy', strategy],
      ['Local training', `${t.localEpochs} epoch(s) per round, batch ${t.batchSize}, ${t.optimizer} at learning rate ${t.learningRate}, L2 ${t.l2}, class weights ${cw}`],
    );
  }
  rows.push(['Evaluation', `federated, on ${Math.round(j.evaluation.holdout * 100)}% of each member's rows held out from training`]);
  return rows;
}

function privacyBlocks(m: ModelMetadata): CardBlock[] {
  const p = m.job.privacy;
  const mode =
    p.mode === 'none' ? 'none (no differential privacy)' : p.mode === 'record' ? `record-level DP-SGD at δ = ${p.delta}, clip norm ${p.clipNorm}` : `client-level DP-FedAvg (${p.noise} noise) at δ = ${p.delta}, clip norm ${p.clipNorm}`;
  const blocks: CardBlock[] = [{ kind: 'facts', rows: [['Differential privacy', mode], ['Guarantee', m.privacy.guarantee]] }];
  const spent = Object.entries(m.privacy.epsilonSpent);
  if (spent.length) {
    blocks.push({ kind: 'table', header: ['member', 'ε this job', 'ε all jobs', 'δ'], rows: spent.map(([name, s]) => [name, num(s.epsilonJob), num(s.epsilonTotal), String(s.delta)]) });
  } else if (p.mode !== 'none') blocks.push({ kind: 'text', text: 'The model package lists no privacy receipts, so no ε per member can be shown.' });
  return blocks;
}

function limitations(m: ModelMetadata): string[] {
  const items = [
    'The metrics are federated estimates: each member scores its own held-out rows and only a score histogram per class is aggregated, so AUC, KS and Gini are computed from binned scores, not from the raw scores.',
    'The data were not pooled or inspected centrally; differences in how members collect and define features (and the label) are not visible in these figures.',
    'No out-of-time or out-of-population validation is part of training; validate on recent applications before use, and monitor the score distribution and default rates after deployment.',
    'Fairness across protected groups was not assessed; the schema does not record which features may act as proxies.',
    'Inputs must follow the schema above: values of categorical features it does not list, and missing values it refuses, are rejected or scored as noted.',
  ];
  if (m.job.privacy.mode === 'record') {
    items.unshift('The model was trained with record-level differential privacy: its weights and the evaluation histograms behind the metrics carry calibrated noise, so the metrics may understate or overstate the true performance.');
  } else if (m.job.privacy.mode === 'client') {
    items.unshift('The model was trained with client-level differential privacy: its weights carry calibrated noise, which costs accuracy; the evaluation histograms behind the metrics were released without noise.');
  }
  return items;
}

/** The model card of a saved model. */
export function modelCard(pkg: ExportPackage): ModelCard {
  const m = pkg.metadata;
  const f = m.metrics;
  const d = m.data;
  const io = inputsAndPreprocessing(pkg);
  const rate = d.trainingRows > 0 ? `${((100 * d.trainingPositives) / d.trainingRows).toFixed(2)}%` : 'not available';
  return {
    title: `Model card: ${m.job.name}`,
    sections: [
      {
        title: 'Model',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Job', `${m.jobId} (${m.job.name})`],
              ...modelFacts(pkg),
              ['Output', 'probability of default (the positive label "' + pkg.schema.label.positive + '" of column "' + pkg.schema.label.column + '")'],
              ['Created', m.createdAt ?? 'not recorded'],
              ['Finished', m.finishedAt ?? 'not recorded'],
              ['Saved', m.savedAt],
            ],
          },
        ],
      },
      {
        title: 'Intended use',
        blocks: [{ kind: 'text', text: 'Ranking credit applicants by their probability of default, as one input to a lending decision taken and reviewed by people, within the population the consortium members lend to.' }],
      },
      { title: 'Input features', blocks: [featureTable(pkg), { kind: 'text', text: `Model inputs in order (${io.inputs.length}): ${io.inputs.join(', ')}.` }] },
      { title: 'Preprocessing', blocks: [{ kind: 'text', text: io.preprocessing }] },
      { title: 'Data', blocks: [{ kind: 'facts', rows: [['Rows', String(d.trainingRows)], ['Defaults', `${d.trainingPositives} (${rate})`], ['Members', String(d.members.length)]] }] },
      { title: 'Training', blocks: [{ kind: 'facts', rows: trainingFacts(m) }] },
      {
        title: 'Metrics',
        blocks: [
          {
            kind: 'table',
            header: ['AUC', 'KS', 'Gini', 'log-loss', 'Brier', 'n', 'defaults'],
            rows: [[metric(f.auc), metric(f.ks), metric(f.gini), metric(f.logLoss), metric(f.brier), String(f.n), String(f.positives)]],
          },
          { kind: 'text', text: `Federated evaluation of the final model on the members' held-out rows (${f.bins} score bins per class).` },
        ],
      },
      { title: 'Privacy', blocks: privacyBlocks(m) },
      { title: 'Limitations', blocks: [{ kind: 'list', items: limitations(m) }] },
    ],
  };
}
