/**
 * A problem with trust material or its settings: a credentials file that is missing or
 * malformed, a roster that does not validate, a bad name, role, host or validity period. The
 * message names the file, member or value at fault; the CLI prints it as one line (exit code 2).
 */
export class TrustConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustConfigError';
  }
}
