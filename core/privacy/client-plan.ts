/**
 * A job's client-level DP settings (job privacy mode "client") and the public round plan both
 * sides derive from them (./client-dp.ts has the mechanism).
 *
 * Pure.
 */
import type { JobSpec } from '../job.ts';
import type { ClientDpPlan, ClientDpSettings } from './client-dp.ts';
import { clientDpPlan } from './client-dp.ts';

type ClientPrivacy = Extract<JobSpec['privacy'], { mode: 'client' }>;

/** The job's client-level DP settings, or undefined when it has none. */
export function clientPrivacy(job: Pick<JobSpec, 'privacy'>): ClientPrivacy | undefined {
  return job.privacy.mode === 'client' ? job.privacy : undefined;
}

/** The round's plan for a model of `dimension` parameters with t = `survivors`, or undefined without client DP. */
export function clientPlanFor(job: Pick<JobSpec, 'privacy' | 'rounds'>, dimension: number, survivors: number): ClientDpPlan | undefined {
  const p = clientPrivacy(job);
  if (!p) return undefined;
  const settings: ClientDpSettings = {
    noise: p.noise,
    delta: p.delta,
    ...(p.epsilon !== undefined ? { epsilon: p.epsilon } : { noiseMultiplier: p.noiseMultiplier }),
    ...(p.adaptiveClipping ? { adaptiveClipping: p.adaptiveClipping } : {}),
    secureNoise: p.secureNoise,
  };
  // Central noise does not depend on t (the coordinator adds it to whatever sum it forms).
  return clientDpPlan(settings, job.rounds, dimension, p.noise === 'central' ? 1 : survivors);
}
