/**
 * The members' value reports in a simulation report: the harness plays every institution's
 * operator, so it reads each member's report from the member's state dir
 * (`<stateDir>/nodes/<name>/value/<jobId>.json`, participant/personal/store.ts) and shows its
 * personalized and own local-only models beside the federated one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readValueReport, valueReportPath } from '../participant/personal/store.ts';
import type { ValueReport } from '../participant/personal/store.ts';
import type { Score } from './references.ts';

const nan = (x: number | null) => x ?? Number.NaN;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** The kept variant as the table shows it. */
export function keptLabel(c: ValueReport['chosen']): string {
  return c.alpha === undefined ? c.variant : `${c.variant} α=${c.alpha}`;
}

/** The personalized and local-only parts of a report, from the members' value reports (harness local-only models where there are none). */
export function memberValue(stateDir: string, jobId: string, names: string[], harness: Record<string, Score>) {
  const reports = new Map<string, ValueReport>();
  for (const n of names) {
    const file = valueReportPath(path.join(stateDir, 'nodes', n), jobId);
    if (existsSync(file)) reports.set(n, readValueReport(file));
  }
  const perParty: Record<string, Score & { kept: string }> = {};
  const own: Record<string, Score> = {};
  for (const [n, r] of reports) {
    perParty[n] = { auc: nan(r.test.personalized.auc), ks: nan(r.test.personalized.ks), n: r.rows.test, kept: keptLabel(r.chosen) };
    own[n] = { auc: nan(r.test.localOnly.auc), ks: nan(r.test.localOnly.ks), n: r.rows.test };
  }
  const complete = reports.size === names.length && names.length > 0;
  const localOnly = complete ? own : harness;
  return {
    personalized: { perParty, meanAuc: complete ? mean(Object.values(perParty).map((s) => s.auc)) : Number.NaN },
    localOnly,
    localOnlySource: complete ? ('member-report' as const) : ('harness' as const),
    localOnlyMeanAuc: mean(Object.values(localOnly).map((s) => s.auc)),
  };
}
