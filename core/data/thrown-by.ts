/** Test helper shared by the data-layer tests. */
import { thrownError } from '../test-support.ts';
import { DataError } from './errors.ts';

/** The DataError thrown by `fn` (fails the test when nothing or something else is thrown). */
export function thrownBy(fn: () => unknown): DataError {
  return thrownError(fn, DataError);
}
