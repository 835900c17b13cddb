/**
 * Log levels and formats as plain values, apart from the logger itself (platform/log.ts, which
 * loads pino): a command that only declares its `--log-format` and `--log-level` flags needs no
 * logging library loaded to do so.
 */

/** Log severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** How log lines are written: JSON, human-readable, or pretty on a terminal and JSON otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** The formats a `--log-format` flag accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];
