// Trains the credit example with fedcredit used as a library: a coordinator and three lenders in
// this process (each lender a real participant over gRPC on loopback), secure aggregation, and
// the job submitted and watched through the typed Control client.
//   usage: node train-credit.js <credit_data.csv> <schema.json> <state-dir>
import { ControlClient, createLogger, createParticipant, loadSchemaFile, loadTable, startCoordinator, subsetTable } from 'fedcredit';

const [csv, schemaFile, stateDir] = process.argv.slice(2);
const schema = loadSchemaFile(schemaFile);
const { table } = loadTable(csv, schema);
const coordinator = await startCoordinator({ port: 0, stateDir: `${stateDir}/coordinator`, logLevel: 'error' });
const lenders = ['lender-a', 'lender-b', 'lender-c'].map((name, k) => {
  const rows = Uint32Array.from({ length: table.n }, (_, i) => i).filter((i) => i % 3 === k);
  return createParticipant({ name, coordinator: coordinator.address, table: subsetTable(table, rows), schema, stateDir: `${stateDir}/${name}`, log: createLogger(name, 'error') });
});
const running = lenders.map((p) => p.run());
const client = new ControlClient(coordinator.address);
const jobId = await client.submit({
  name: 'credit-three-lenders', model: { type: 'logistic' }, rounds: 10, minParticipants: 3, aggregation: 'secagg', seed: 1,
  train: { localEpochs: 1, batchSize: 32, optimizer: 'sgd', learningRate: 0.1 },
}, schema);
for await (const e of client.watch(jobId)) {
  const r = e.status?.rounds.at(-1);
  if (r?.metrics && e.message.endsWith('complete')) console.log(`round ${r.round}: AUC ${r.metrics.auc.toFixed(3)} KS ${r.metrics.ks.toFixed(3)}`);
  if (e.status && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.status.state)) console.log(`job ${e.status.state} ${e.status.error}`);
}
const model = await client.fetchModel(jobId);
console.log(`model: ${model.weights.length} weights`);
client.close();
for (const p of lenders) p.stop();
await Promise.all(running);
await coordinator.stop();
