/**
 * Writes the protocol test vectors of proto/vectors/*.json (see proto/vectors/README.md and
 * docs/protocol.md#test-vectors). Deterministic: every key, nonce and random draw comes from
 * fixed seeds (./fixtures.ts, seeded generators) and is recorded in the files.
 *
 *   npx tsx proto/vectors/generate.ts
 *
 * proto/vectors/vectors.test.ts and secagg-vectors.test.ts check that the implementation
 * reproduces every file; regenerate only when the protocol changes on purpose.
 */
import { TRIO, MEMBERS } from './fixtures.ts';
import { writeVector } from './json.ts';
import { buildGraphVector } from './build-graph.ts';
import { buildSchemaVector } from './build-schema.ts';
import { DROPOUT_RUN, TRIO_RUN, buildSecAggRun } from './build-secagg.ts';
import { buildSignedVector, signedInputs } from './build-signed.ts';
import { buildContributionVector, buildTaskVector } from './build-tasks.ts';

async function main(): Promise<void> {
  const schemaVector = buildSchemaVector();
  writeVector('schema-digest.json', schemaVector);
  writeVector('task-configs.json', await buildTaskVector());
  writeVector('contributions.json', await buildContributionVector());
  const trio = await buildSecAggRun({ ...TRIO_RUN, label: 'trio', members: TRIO });
  writeVector(TRIO_RUN.file, trio);
  writeVector(DROPOUT_RUN.file, await buildSecAggRun({ ...DROPOUT_RUN, label: 'dropout', members: [...MEMBERS], dropouts: { 'bank-b': 'share-delivery' } }));
  writeVector('secagg-graph.json', buildGraphVector());
  writeVector('signed-messages.json', buildSignedVector(await signedInputs(schemaVector.digest, trio)));
}

await main();
