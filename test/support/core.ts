/** Helpers shared by the unit tests of the core (imported only from *.test.ts files). */
import { expect } from 'vitest';
import { CoreInputError } from '../../core/types.ts';

/** The error of class `ctor` thrown by `fn`; fails the test when nothing or something else is thrown. */
export function thrownError<E extends Error>(fn: () => unknown, ctor: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ctor);
    return e as E;
  }
  throw new Error(`expected a ${ctor.name}`);
}

/** The CoreInputError thrown by `fn`. */
export function errorOf(fn: () => unknown): CoreInputError {
  return thrownError(fn, CoreInputError);
}
