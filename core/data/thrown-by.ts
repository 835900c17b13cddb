/** Test helper shared by the data-layer tests. */
import { expect } from 'vitest';
import { DataError } from './errors';

/** The DataError thrown by `fn` (fails the test when nothing or something else is thrown). */
export function thrownBy(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}
