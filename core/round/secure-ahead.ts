/**
 * Key setups carried ahead (`secureAggregation.keysAhead`). The first three steps of a secure sum
 * — key adverts, graph nonces (SecAgg+ with a committed graph) and encrypted Shamir shares — do
 * not depend on the vectors being summed. A training round's sum can therefore carry the same
 * three steps of the secure sums of later training rounds in its own Fleet calls: each task holds
 * the step of its own sum and, in `ahead`, the same step of every later sum the member takes part
 * in; each reply answers them all. Those later sums then start at the masked-input step, which
 * brings the round's weights and the share deliveries together.
 *
 * Every later sum is still a run of its own: its own run id, fresh key pairs and graph nonce per
 * member, its own commit–reveal graph draw, its own shares, checked by each member exactly as in a
 * sum that sets itself up. Carrying changes which Fleet calls the messages travel in, not what
 * they say or who checks them. A member that does not answer a carried step (or refuses that sum)
 * is a dropout of that sum at that step, recorded as such when the sum runs.
 *
 * Pure: server stage machines over the replies the caller gathered.
 */
import { serverStep, initServer } from '../secagg/protocol/server.ts';
import type { SecAggConfig, ServerInput, ServerState, ShareDelivery } from '../secagg/protocol/types.ts';
import type { StageFailure, StageReply } from './grid.ts';
import type { KeySetupReply, SecAggClientMessage, SecAggServerMessage, SecAggTask } from './secure-messages.ts';

/** The server stage's deadline input for the reply a carried step waits for. */
const DEADLINE: Record<KeySetupReply, ServerInput['type']> = {
  'advertise-keys': 'advertise-keys-deadline',
  'graph-nonce': 'graph-reveal-deadline',
  'share-keys': 'share-keys-deadline',
};

/** A later round's secure sum whose keys are being set up. */
interface CarriedSetup {
  round: number;
  config: SecAggConfig;
  server: ServerState;
  /** The members its next step goes to, and what it tells them. */
  to: Set<string>;
  message: SecAggServerMessage;
  failures: Map<string, StageFailure>;
  /** Set when it completed: U2 and each member's share delivery. */
  done?: { shared: string[]; deliveries: ShareDelivery[] };
}

/** A later round's secure sum set up ahead: its sum starts at the masked-input step. */
export interface PreparedSum {
  round: number;
  config: SecAggConfig;
  server: ServerState;
  /** U2: the members that sent their shares; each one's delivery. */
  shared: string[];
  deliveries: ShareDelivery[];
  /** Dropouts and refusals of the setup steps, reported with the round's own. */
  failures: StageFailure[];
  /** The round whose sum carried the setup. */
  setUpIn: number;
}

/** Key setups of later sums, stepped in lockstep with the first three steps of the current sum. */
export class CarriedSetups {
  private readonly setups: CarriedSetup[];

  /** `configs`: one per later round, each with the current sum's participants; `round`: the current sum's. */
  constructor(private readonly round: number, configs: SecAggConfig[], private readonly roster?: ReadonlyMap<string, Uint8Array>) {
    this.setups = configs.map((config) => ({
      round: config.round,
      config,
      server: initServer(config),
      to: new Set(config.participants),
      message: { type: 'begin' },
      failures: new Map(),
    }));
  }

  /** The carried steps for `member` in the current step (none when it is in no setup still running). */
  tasksFor(member: string): SecAggTask[] | undefined {
    const tasks = this.setups.filter((s) => !s.done && s.to.has(member)).map((s) => ({ config: s.config, message: s.message }));
    return tasks.length ? tasks : undefined;
  }

  /**
   * Advances every running setup with the replies of the current step (`expect`: the reply type
   * of that step). A member without a reply, or without an answer of the expected type for a
   * setup, is that setup's dropout at this step.
   */
  absorb(expect: KeySetupReply, replies: ReadonlyMap<string, StageReply>): void {
    for (const s of this.setups) {
      if (s.done || s.to.size === 0) continue;
      const stage = `round ${s.round}: train (secagg ${expect}, carried)`;
      const fail = (participant: string, reason: string) => {
        if (!s.failures.has(participant)) s.failures.set(participant, { participant, stage, reason });
      };
      const messages: SecAggClientMessage[] = [];
      for (const p of s.to) {
        const reply = replies.get(p);
        const answer = reply?.ahead?.find((a) => a.run === s.config.run);
        if (!reply) fail(p, 'no reply to the step that carried this sum\'s key setup');
        else if (!answer) fail(p, `did not answer the carried ${expect} step of secure sum ${s.config.run}`);
        else if ('refusal' in answer) fail(p, `refused: ${answer.refusal}`);
        else if (answer.secagg.type !== expect) fail(p, `expected a ${expect} message`);
        else messages.push({ ...answer.secagg, from: p });
      }
      const out = serverStep(s.server, { type: DEADLINE[expect], messages } as ServerInput, this.roster);
      s.server = out.state;
      for (const f of out.output.failures) fail(f.participant, f.reason);
      const o = out.output;
      if (o.type === 'peer-keys') {
        s.to = new Set(o.keys.map((k) => k.id));
        s.message = { type: 'peer-keys', keys: o.keys };
      } else if (o.type === 'graph-reveals') {
        s.message = { type: 'graph-reveals', reveals: o.reveals };
      } else if (o.type === 'forward-shares') {
        s.done = { shared: o.shared, deliveries: o.deliveries };
      } else {
        // The setup aborted (e.g. fewer than t advertisers): that round sets up its keys afresh.
        s.to = new Set();
      }
    }
  }

  /** The setups that completed, by round. */
  prepared(): PreparedSum[] {
    return this.setups.flatMap((s) =>
      s.done ? [{ round: s.round, config: s.config, server: s.server, shared: s.done.shared, deliveries: s.done.deliveries, failures: [...s.failures.values()], setUpIn: this.round }] : [],
    );
  }
}
