/**
 * `fedcredit/sim`: a whole consortium in one process (the real engine, secure aggregation, DP
 * and participant handler chains over an in-memory grid), the seeded synthetic consortium, and a
 * WAN test bed: shaped TCP links in front of a real coordinator (`wan/`).
 */
export { simulate, startSimulation } from './simulate.ts';
export type { SimulatedParty, SimulateOptions, Simulation, SimulationOptions, SimulationResult } from './simulate.ts';
export { memoryGrid, tamperingGrid } from './memory-grid.ts';
export type { MemoryGrid, VanishAt, VanishStep } from './memory-grid.ts';
export { generateConsortium } from './synthetic/generate.ts';
export type { ConsortiumOptions, GeneratedParty } from './synthetic/generate.ts';
export { syntheticMembers } from './synthetic/members.ts';
export type { SyntheticMember, SyntheticMembersOptions } from './synthetic/members.ts';
export { writeConsortium, writeMembers } from './synthetic/write.ts';
export { simulateVertical } from './vertical/simulate-vertical.ts';
export type { SimulatedVertical, SimulateVerticalOptions } from './vertical/simulate-vertical.ts';
export { verticalMemoryGrid } from './vertical/memory-grid.ts';
export type { SeenStep } from './vertical/memory-grid.ts';
export { generateVerticalConsortium } from './synthetic/vertical.ts';
export type { VerticalConsortium, VerticalTable } from './synthetic/vertical.ts';
export { LinkSchedule, LinkShapeSchema, StallSpecSchema } from './wan/link-schedule.ts';
export type { LinkShape, StallSpec } from './wan/link-schedule.ts';
export { startShapedLink } from './wan/shaped-link.ts';
export type { LinkDirection, LinkTraffic, ShapedLink, ShapedLinkOptions } from './wan/shaped-link.ts';
export { startWanFleet } from './wan/wan-fleet.ts';
export type { MemberLink, WanFleet, WanFleetOptions } from './wan/wan-fleet.ts';
