/**
 * Structured logging for the services, on pino (fast JSON lines, well kept, levels and child
 * loggers built in). Logs go to stderr so that stdout stays free for command output; tests
 * pass level "silent".
 */
import { pino } from 'pino';

/** Log severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Structured logger interface used by the coordinator and participant. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger for `component` writing JSON lines to stderr at or above `level`. */
export function createLogger(component: string, level: Level = 'info'): Logger {
  const p = pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
  const at = (lvl: Exclude<Level, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => p[lvl](fields ?? {}, msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
