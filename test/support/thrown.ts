/**
 * The error a call fails with, for tests that go on to look at it (tap's `t.rejects` and
 * `t.throws` only match). Anything else, or no failure at all, fails the test.
 */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: ErrorClass<E>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected the call to reject with ${type.name}`);
}

export function thrownBy<E extends Error>(fn: () => unknown, type: ErrorClass<E>): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected the call to throw ${type.name}`);
}
