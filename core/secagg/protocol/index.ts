/**
 * Pure, resumable stage machines of the secure aggregation protocol of Bonawitz et al., CCS 2017,
 * "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (client and server), with
 * the neighbour graphs of SecAgg+ (Bell et al., CCS 2020), zod-validated persistence and an
 * in-memory round simulator. Built on the primitives of `core/secagg`.
 */
export * from './types';
export * from './graph';
export { validateConfig, shareHolders, shareX } from './config';
export * from './plaintext';
export { initClient, clientStep, wipeClientState } from './client';
export { initServer, serverStep } from './server';
export * from './codec';
export * from './simulate';
