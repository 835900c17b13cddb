/**
 * The transport and identity flags of the commands that talk gRPC, declared apart from what
 * resolves them (cli/transport.ts loads the files, gRPC and TLS): declaring a command's flags, and
 * so starting any command, loads none of that.
 */
import type { Command } from 'commander';

/** Who is connecting: which files the credentials directory must hold. */
export type Party = 'coordinator' | 'participant' | 'operator';

/** Adds the transport options for `party` to a command. */
export function addTransportOptions(cmd: Command, party: Party): Command {
  cmd
    .option('--credentials <dir>', `this ${party}'s TLS certificate, key, consortium CA${party === 'operator' ? ' and operator token' : party === 'participant' ? ', identity key and roster' : ' and roster'} (the layout fedcredit certs writes)`)
    .option('--insecure', 'plaintext gRPC without TLS: anyone on the network path can read and alter messages (test networks only)', false);
  if (party !== 'operator') cmd.option('--roster <roster.json>', 'the consortium roster (default: roster.json in --credentials)');
  if (party === 'participant') cmd.option('--identity <identity.json>', 'the institution\'s Ed25519 identity key (default: identity.json in --credentials)');
  if (party === 'operator') cmd.option('--token-file <file>', 'the operator token (default: token in --credentials)');
  return cmd;
}

/** The parsed transport flags of a command. */
export interface TransportFlags {
  credentials?: string;
  insecure?: boolean;
  roster?: string;
  identity?: string;
  tokenFile?: string;
}
