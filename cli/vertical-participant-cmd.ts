/**
 * `fedcredit participant --vertical`: a party of vertical jobs, beside its private CSV. It reads
 * its table (an ID column, the label column at the label holder, every other column a model
 * input: numbers as they are, an empty cell missing, text one-hot), the consortium's secret ID
 * salt from a file, and serves the coordinator's vertical tasks until SIGINT/SIGTERM. It logs
 * counts and column names, never an ID or the salt. Transport, identity key and roster are the
 * same as a horizontal node's (cli/transport.ts); the node is assembled by
 * participant/vertical/create.ts and refuses horizontal tasks.
 */
import { readFileSync } from 'node:fs';
import { FleetRefusedError } from '../participant/node.ts';
import { readCsvFile } from '../participant/data/csv.ts';
import { createVerticalNode } from '../participant/vertical/create.ts';
import type { VerticalPartyData } from '../participant/vertical/state.ts';
import { verticalPartyData } from '../participant/vertical/table.ts';
import type { VerticalTableOptions } from '../participant/vertical/table.ts';
import { createLogger } from '../platform/log.ts';
import type { Level, LogFormat } from '../platform/log.ts';
import { clientCredentials } from '../trust/tls.ts';
import { UsageError } from './errors.ts';
import type { Transport } from './transport.ts';

/** Reads the consortium's salt: the file's content without a trailing newline; an error when missing or empty. */
export function readSaltFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--salt-file ${file}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const salt = text.replace(/(\r?\n)+$/, '');
  if (salt.trim() === '') throw new UsageError(`--salt-file ${file}: the file is empty; it must hold the consortium's secret ID salt`);
  return salt;
}

/**
 * Reads party `party`'s CSV as a vertical table (the ID column defaults to the file's first
 * column); errors name the party, the file, the row and the column.
 */
export function loadVerticalParty(party: string, file: string, o: Omit<VerticalTableOptions, 'source' | 'idColumn'> & { idColumn?: string }): VerticalPartyData {
  const csv = readCsvFile(file);
  try {
    return verticalPartyData(csv.header, csv.rows, { ...o, idColumn: o.idColumn ?? csv.header[0]!, source: file });
  } catch (err) {
    throw new UsageError(`party "${party}": ${(err as Error).message}`);
  }
}

/** Options of a vertical participant. */
export interface VerticalParticipantOptions {
  coordinator: string;
  name: string;
  role: string;
  data: string;
  idColumn: string;
  labelColumn?: string;
  positiveLabel?: string;
  logColumns?: string[];
  ignoreColumns?: string[];
  saltFile: string;
  /** Where trained jobs are kept, so the node can still score with them after a restart. */
  stateDir?: string;
  logLevel: Level;
  /** Log lines: readable, JSON, or readable on a terminal only (default). */
  logFormat?: LogFormat;
  /** Mutual TLS, identity key and roster; empty for an `--insecure` test network. */
  transport?: Transport;
}

/** Runs a vertical node until SIGINT/SIGTERM. */
export async function verticalParticipantCommand(o: VerticalParticipantOptions): Promise<void> {
  const log = createLogger(`participant:${o.name}`, o.logLevel, o.logFormat);
  const transport = o.transport ?? {};
  const salt = readSaltFile(o.saltFile);
  const data = loadVerticalParty(o.name, o.data, {
    idColumn: o.idColumn,
    ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
    ...(o.positiveLabel !== undefined ? { positiveLabel: o.positiveLabel } : {}),
    ...(o.logColumns ? { logColumns: o.logColumns } : {}),
    ...(o.ignoreColumns ? { ignore: o.ignoreColumns } : {}),
  });
  log.info('data loaded (vertical party)', {
    file: o.data, rows: data.ids.length, columns: data.columns.length, inputs: data.columns,
    ...(data.labels ? { label: o.labelColumn, positives: data.labels.reduce((a, b) => a + b, 0) } : { label: 'none (feature party)' }),
  });
  if (o.stateDir === undefined) log.warn('no --state-dir: trained vertical jobs live in memory only, so this node cannot score with them after a restart');
  if (!transport.identity) log.warn('no identity key: messages and job keys are not signed, so only a coordinator without a roster (test network) accepts this node, and peers cannot check its keys');
  const node = createVerticalNode({
    name: o.name, role: o.role, data, salt, coordinator: o.coordinator, log,
    ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
    ...(transport.identity ? { identity: transport.identity } : {}),
    ...(transport.roster ? { rosterFile: transport.roster } : {}),
    ...(transport.tls ? { credentials: clientCredentials(transport.tls) } : {}),
  });
  const stop = () => {
    log.info('stopping');
    void node.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await node.run();
  } catch (err) {
    if (err instanceof FleetRefusedError) throw new UsageError(err.message);
    throw err;
  } finally {
    await node.party.close();
  }
}
