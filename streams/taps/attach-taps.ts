import type { Subscription } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';
import type { LoadedTap } from './load-tap.js';
import type { TapSession } from './tap.js';

/** Taps attached to a session. */
export interface AttachedTaps {
  /** Call after events$ and console$ have ended: resolves once every tap's output is complete; rejects with RrvmError `tap.error` if a tap failed. */
  finish(): Promise<void>;
  /** Aborts: unsubscribes every tap that returned a Subscription. */
  unsubscribe(): void;
}

/**
 * Calls each tap with the session and its own options, in order (call before the first event
 * is emitted). A tap that throws while starting unsubscribes the ones already started and
 * rethrows (an RrvmError as is, anything else as `tap.error`).
 */
export function attachTaps(taps: readonly LoadedTap[], session: Omit<TapSession, 'options'>): AttachedTaps {
  const subscriptions: Subscription[] = [];
  const pending: Promise<RrvmError | null>[] = [];
  const unsubscribe = (): void => subscriptions.forEach((s) => s.unsubscribe());
  for (const { name, tap, options } of taps) {
    let result: unknown;
    try {
      result = tap({ ...session, options });
    } catch (err) {
      unsubscribe();
      throw err instanceof RrvmError ? err : tapError(name, err);
    }
    // Duck-typed: a user tap may return a Subscription of its own rxjs copy, or any thenable.
    if (isSubscription(result)) subscriptions.push(result);
    else if (isThenable(result)) {
      // Settled into a value at once, so an early rejection is never an unhandled one.
      pending.push(Promise.resolve(result).then(() => null, (err: unknown) => tapError(name, err)));
    }
  }
  return {
    async finish() {
      const failure = (await Promise.all(pending)).find((err) => err !== null);
      unsubscribe();
      if (failure) throw failure;
    },
    unsubscribe,
  };
}

function tapError(name: string, err: unknown): RrvmError {
  return new RrvmError('tap.error', `tap ${name}: ${err instanceof Error ? err.message : String(err)}`);
}

function isSubscription(value: unknown): value is Subscription {
  return typeof (value as { unsubscribe?: unknown } | null)?.unsubscribe === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
