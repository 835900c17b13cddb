// Scores applicants with a saved model package through the library, then serves the same package
// over HTTP and scores the first applicant again through the service.
//   usage: npx tsx examples/library/score-applicants.ts <model-dir> <applicants.csv>
// (after `npm run example:credit`: <its temp dir>/model and <its temp dir>/holdout.csv)
import { loadModelPackage, scoreCsvFile, scoreSummaryLine, startScoringService } from 'fedcredit/scoring';

const [modelDir, applicantsCsv] = process.argv.slice(2);
if (!modelDir || !applicantsCsv) throw new Error('usage: score-applicants.ts <model-dir> <applicants.csv>');

const pkg = await loadModelPackage(modelDir);
console.log(`model ${pkg.metadata.jobId}: ${pkg.metadata.modelType} over ${pkg.metadata.inputDim} inputs, federated AUC ${pkg.metadata.metrics.auc}`);
const result = await scoreCsvFile(pkg, applicantsCsv, { reasons: 3 });
console.log(scoreSummaryLine(result));
for (const s of result.scores.slice(0, 3)) {
  const reasons = s.reasons.map((r) => `${r.feature}=${r.value ?? 'missing'} (${r.points.toFixed(1)})`).join(', ');
  console.log(`row ${s.id}: p(default) ${s.probability.toFixed(4)}, ${s.points.toFixed(0)} points; reasons: ${reasons || 'none'}`);
}

// The first applicant as the service takes it: one field per schema column (the package's
// encodings, in schema order), null when missing.
const t = result.applicants.table;
let numeric = 0;
let categorical = 0;
const first = Object.fromEntries(
  pkg.metadata.encodings.map((e) => {
    if (e.kind === 'numeric') {
      const v = t.numeric[numeric++]![0]!;
      return [e.column, Number.isNaN(v) ? null : v];
    }
    const level = e.levels[t.categorical[categorical++]![0]!]!;
    return [e.column, level === e.missingLevel ? null : level];
  }),
);
const service = await startScoringService({ model: pkg, port: 0 });
try {
  const res = await fetch(`${service.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ applicants: [first], reasons: 3 }) });
  const body = (await res.json()) as { scores: { probability: number; points: number }[] };
  console.log(`service at ${service.url}: HTTP ${res.status}, p(default) ${body.scores[0]!.probability.toFixed(4)}, ${body.scores[0]!.points.toFixed(0)} points`);
} finally {
  await service.close();
}
