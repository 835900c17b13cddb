import { generateVerticalConsortium } from '../sim/synthetic/vertical.ts';
import { verticalPartyData } from '../participant/vertical/table.ts';
import { simulateVertical } from '../sim/vertical/simulate-vertical.ts';
import { VerticalJobSpecSchema } from '../core/vertical/spec.ts';
const c = generateVerticalConsortium({ seed: Number(process.env.SEED ?? 1), scale: 1 });
const logs = { bank: ['past_due_30d_2y', 'loan_amount'], platform: ['avg_basket', 'late_bnpl_12m'], customs: ['declarations_12m', 'declared_value_k', 'inspection_hits_2y'] };
const data = {
  bank: verticalPartyData(c.bank.header, c.bank.rows, { idColumn: c.bank.idColumn, labelColumn: 'default', logColumns: logs.bank }),
  platform: verticalPartyData(c.platform.header, c.platform.rows, { idColumn: c.platform.idColumn, logColumns: logs.platform }),
  customs: verticalPartyData(c.customs.header, c.customs.rows, { idColumn: c.customs.idColumn, logColumns: logs.customs }),
};
for (const cfg of process.argv.slice(2)) {
  const [m, e, b, lr, h] = cfg.split(',');
  const model = m === 'mlp' ? { type: 'mlp', hidden: Number(h ?? 8) } : { type: 'logistic' };
  const job = VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], model, ids: { form: 'alnum' }, train: { epochs: Number(e), batchSize: Number(b), learningRate: Number(lr) }, evaluation: { holdout: 0.25 } });
  const t = performance.now();
  const out = await simulateVertical(job, data, { salt: 's', planSeed: 5 });
  console.log(cfg, out.metrics.auc.toFixed(4), out.labelHolderOnly.auc.toFixed(4), ((performance.now() - t) / 1000).toFixed(1), (out.bytes.relayed/1e6).toFixed(1)+'MB');
}
