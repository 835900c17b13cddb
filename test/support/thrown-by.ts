/** Test helper shared by the data-layer tests. */
import { thrownError } from './core.ts';
import { DataError } from '../../core/data/errors.ts';

/** The DataError thrown by `fn` (fails the test when nothing or something else is thrown). */
export function thrownBy(fn: () => unknown): DataError {
  return thrownError(fn, DataError);
}
