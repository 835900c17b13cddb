/**
 * `--log-format` for the commands that log (coordinator, participant): `auto` (the default)
 * writes readable lines on a terminal and JSON lines when stderr is piped or redirected; `json` and
 * `pretty` force one of them (platform/log.ts).
 */
import { Option } from 'commander';
import { LOG_FORMATS, type LogFormat } from '../platform/log-format.ts';

/** The `--log-format` option. */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log lines: pretty (readable), json (one object per line), auto (pretty on a terminal, json when piped)')
    .choices([...LOG_FORMATS])
    .default('auto');
}

/** The log format a command's parsed options ask for. */
export function logFormatOf(o: { logFormat?: unknown }): LogFormat {
  return LOG_FORMATS.includes(o.logFormat as LogFormat) ? (o.logFormat as LogFormat) : 'auto';
}
