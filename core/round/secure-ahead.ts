/**
 * Key setups carried ahead (`secureAggregation.keysAhead`). The first three steps of a secure sum
 * — key adverts, graph nonces (SecAgg+ with a committed graph) and encrypted Shamir shares — do
 * not depend on the vectors being summed. A sum (the statistics sum, a training round's) can
 * therefore carry those steps of later sums (training rounds', evaluations') in its own Fleet
 * calls: each task holds the step of its own sum and, in `ahead`, the next key-setup step of every
 * later sum the member takes part in; each reply answers them all. Those later sums then start
 * at the masked-input step, which brings the round's weights and the share deliveries together.
 *
 * A setup rides on whichever steps of the carrying sum come next: a sum that sets up its own keys
 * carries them in its own first three steps; a sum that was itself set up ahead carries the next
 * sums' setup on its masked-input, consistency-check and unmasking steps, so that every sum after
 * the first runs only those three. A setup that still has a step to go when its carrier is done
 * (a sum without a consistency check has two steps after its setup) finishes in steps of its own.
 *
 * Every later sum is still a run of its own: its own run id, fresh key pairs and graph nonce per
 * member, its own commit–reveal graph draw, its own shares, checked by each member exactly as in a
 * sum that sets itself up. Carrying changes which Fleet calls the messages travel in, not what
 * they say or who checks them. A member that does not answer a carried step (or refuses that sum)
 * is a dropout of that sum at that step, recorded as such when the sum runs.
 *
 * Pure: server stage machines over the replies the caller gathered.
 */
import { graphRevealsFor, serverStep, initServer } from '../secagg/protocol/server.ts';
import type { SecAggConfig, ServerInput, ServerState, ShareDelivery } from '../secagg/protocol/types.ts';
import type { StageFailure, StageReply } from './grid.ts';
import type { AheadAnswer, KeySetupReply, SecAggClientMessage, SecAggServerMessage, SecAggTask } from './secure-messages.ts';

/** The server stage's deadline input for the reply a setup step waits for. */
const DEADLINE: Record<KeySetupReply, ServerInput['type']> = {
  'advertise-keys': 'advertise-keys-deadline',
  'graph-nonce': 'graph-reveal-deadline',
  'share-keys': 'share-keys-deadline',
};

/** A later secure sum whose keys are being set up. */
interface CarriedSetup {
  kind: SetupKind;
  round: number;
  config: SecAggConfig;
  server: ServerState;
  /** The members its next step goes to, the type of that step, and what it tells each. */
  to: Set<string>;
  type: SecAggServerMessage['type'];
  messageFor: (member: string) => SecAggServerMessage;
  failures: Map<string, StageFailure>;
  /** Set when it completed: U2 and each member's share delivery. */
  done?: { shared: string[]; deliveries: ShareDelivery[] };
}

/** The stages whose sums can be set up ahead: a training round's, and the evaluation of a round in a stage of its own. */
export type SetupKind = 'train' | 'evaluate';

/** A later secure sum set up ahead: its sum starts at the masked-input step. */
export interface PreparedSum {
  kind: SetupKind;
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

/** Key setups of later sums, each stepped once per Fleet step that carries it. */
export class CarriedSetups {
  private readonly setups: CarriedSetup[];

  /** `sums`: one per later sum, each with the current sum's participants; `round`: the current sum's. */
  constructor(private readonly round: number, sums: { kind: SetupKind; config: SecAggConfig }[], private readonly roster?: ReadonlyMap<string, Uint8Array>) {
    this.setups = sums.map(({ kind, config }) => ({
      kind,
      round: config.round,
      config,
      server: initServer(config),
      to: new Set(config.participants),
      type: 'begin',
      messageFor: () => ({ type: 'begin' }),
      failures: new Map(),
    }));
  }

  /** True while a setup has a step to go. */
  running(): boolean {
    return this.setups.some(isRunning);
  }

  /** The carried steps for `member` in the current step (none when it is in no setup still running). */
  tasksFor(member: string): SecAggTask[] | undefined {
    const tasks = this.setups.filter((s) => isRunning(s) && s.to.has(member)).map((s) => ({ config: s.config, message: s.messageFor(member) }));
    return tasks.length ? tasks : undefined;
  }

  /**
   * The members of a setup step that runs in steps of its own (its carrier is done), with the first
   * such setup's step as each task's own; the other running setups ride along in `ahead`. A setup
   * that has not begun is dropped instead: a `begin` sent as a task's own step would start a
   * member's local computation, and that round can set up its keys itself.
   */
  ownStep(): { run: string; kind: SetupKind; round: number; to: string[]; own: (member: string) => SecAggTask; expect: KeySetupReply } | undefined {
    for (const s of this.setups) if (isRunning(s) && s.type === 'begin') s.to = new Set();
    const first = this.setups.find(isRunning);
    if (!first) return undefined;
    const own = (member: string): SecAggTask => ({ config: first.config, message: first.messageFor(member) });
    return { run: first.config.run, kind: first.kind, round: first.round, to: [...first.to], own, expect: replyTo(first) };
  }

  /**
   * Advances every running setup with the replies of the step that carried it. A member without a
   * reply, or without an answer of the type its setup step asks for, is that setup's dropout at
   * this step. `own`: the run whose step the replies answer in `secagg` rather than in `ahead`
   * (a setup finishing in steps of its own).
   */
  absorb(replies: ReadonlyMap<string, StageReply>, own?: string): void {
    for (const s of this.setups) {
      if (!isRunning(s)) continue;
      const expect = replyTo(s);
      const stage = `round ${s.round}: ${s.kind} (secagg ${expect}, carried)`;
      const fail = (participant: string, reason: string) => {
        if (!s.failures.has(participant)) s.failures.set(participant, { participant, stage, reason });
      };
      const messages: SecAggClientMessage[] = [];
      for (const p of s.to) {
        const reply = replies.get(p);
        const answer = s.config.run === own ? ownAnswer(s.config.run, reply) : reply?.ahead?.find((a) => a.run === s.config.run);
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
        const message = { type: 'peer-keys' as const, keys: o.keys };
        s.to = new Set(o.keys.map((k) => k.id));
        s.type = message.type;
        s.messageFor = () => message;
      } else if (o.type === 'peer-commits') {
        const message = { type: 'peer-commits' as const, commits: o.commits };
        s.to = new Set(o.commits.map((c) => c.id));
        s.type = message.type;
        s.messageFor = () => message;
      } else if (o.type === 'forward-reveals') {
        s.type = 'graph-reveals';
        s.messageFor = (member) => graphRevealsFor(o, member);
      } else if (o.type === 'forward-shares') {
        s.done = { shared: o.shared, deliveries: o.deliveries };
      } else {
        // The setup aborted (e.g. fewer than t advertisers): that round sets up its keys afresh.
        s.to = new Set();
      }
    }
  }

  /** The setups that completed. */
  prepared(): PreparedSum[] {
    return this.setups.flatMap((s) =>
      s.done ? [{ kind: s.kind, round: s.round, config: s.config, server: s.server, shared: s.done.shared, deliveries: s.done.deliveries, failures: [...s.failures.values()], setUpIn: this.round }] : [],
    );
  }
}

function isRunning(s: CarriedSetup): boolean {
  return !s.done && s.to.size > 0;
}

/** The reply a setup's current step asks for. */
function replyTo(s: CarriedSetup): KeySetupReply {
  switch (s.type) {
    case 'begin':
      return 'advertise-keys';
    case 'peer-commits':
      return 'graph-nonce';
    default:
      return 'share-keys';
  }
}

/** A reply to a setup's step sent as the task's own step, read as an answer to a carried one. */
function ownAnswer(run: string, reply: StageReply | undefined): AheadAnswer | undefined {
  if (!reply) return undefined;
  return 'secagg' in reply ? { run, secagg: reply.secagg } : undefined;
}
