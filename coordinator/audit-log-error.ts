/** The audit log cannot be opened or written; `file` (and `line`, when known) say where. */
export class AuditLogError extends Error {
  constructor(message: string, readonly file: string, readonly line?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditLogError';
  }
}
