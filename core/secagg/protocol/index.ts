/**
 * Pure, resumable stage machines of the secure aggregation protocol of Bonawitz et al., CCS 2017,
 * "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (client and server), with
 * the neighbour graphs of SecAgg+ (Bell et al., CCS 2020), zod-validated persistence and an
 * in-memory round simulator. Built on the primitives of `core/secagg`.
 */
export * from './types.ts';
export * from './graph.ts';
export { validateConfig, shareHolders, shareX } from './config.ts';
export * from './plaintext.ts';
export { initClient, clientStep, wipeClientState } from './client.ts';
export { openMaskAhead } from './mask-ahead.ts';
export type { MaskAhead } from './mask-ahead.ts';
export { graphRevealsFor, initServer, serverStep } from './server.ts';
export * from './codec.ts';
export * from './simulate.ts';
