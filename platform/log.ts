/**
 * Structured logging for the services, on pino (fast JSON lines, well kept, levels and child
 * loggers built in). Logs go to stderr so that stdout stays free for command output; tests
 * pass level "silent". On a terminal they are rendered for people by pino-pretty (a synchronous
 * stream in this thread, not a worker transport, so no line is lost when the process exits);
 * piped or redirected, they stay one JSON object per line for log collectors.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Level, LogFormat } from './log-format.ts';

export { LOG_FORMATS, type Level, type LogFormat } from './log-format.ts';

/** Structured logger interface used by the coordinator and participant. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Where and how {@link createLogger} writes; the defaults are stderr and its TTY state. */
export interface LogOutput {
  /** A stream to write to instead of stderr (tests). */
  stream?: NodeJS.WritableStream;
  /** Whether the output is a terminal (default: `process.stderr.isTTY`); decides `auto` and colours. */
  isTTY?: boolean;
}

/** The format `auto` resolves to on an output that is (or is not) a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

/**
 * A logger for `component` writing to stderr at or above `level`: JSON lines, or readable lines
 * (`HH:MM:ss.l LEVEL component: message` and the fields) with format `pretty`, or `auto` on a TTY.
 */
export function createLogger(component: string, level: Level = 'info', format: LogFormat = 'auto', output: LogOutput = {}): Logger {
  const isTTY = output.isTTY ?? process.stderr.isTTY === true;
  const options = { level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime };
  const destination =
    resolveLogFormat(format, isTTY) === 'pretty'
      ? pretty({
          destination: output.stream ?? 2,
          sync: true,
          colorize: isTTY,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,component',
          messageFormat: '{component}: {msg}',
          singleLine: true,
        })
      : (output.stream ?? pino.destination({ fd: 2, sync: true }));
  const p = pino(options, destination);
  const at = (lvl: Exclude<Level, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => p[lvl](fields ?? {}, msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
