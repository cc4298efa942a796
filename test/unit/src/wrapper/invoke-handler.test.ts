import { describe, expect, it } from 'vitest';
import { invokeHandler, type LambdaCallback } from '../../../../src/wrapper/invoke-handler';

const later = (callback: LambdaCallback<string>, value: string): void => {
  setTimeout(() => callback(null, value), 1);
};

// Where callback handlers run (Node.js 20 and 22) unless a test says otherwise.
describe('invokeHandler', () => {
  it('takes a returned promise as the answer', async () => {
    const outcome = invokeHandler(async () => 'async', {}, {});
    expect(outcome.callbackStyle).toBe(false);
    expect(await outcome.result).toBe('async');
  });

  it('waits for the callback of a handler that returns nothing, whatever it declares', async () => {
    const inner = (_e: unknown, _c: unknown, callback: LambdaCallback<string>): void => later(callback, 'called back');
    const outcome = invokeHandler((...args: Parameters<typeof inner>) => inner(...args), {}, {}, true);
    expect(outcome.callbackStyle).toBe(true);
    expect(await outcome.result).toBe('called back');
  });

  it('passes on the error a handler calls back with, or throws', async () => {
    const error = new Error('no');
    await expect(invokeHandler((_e, _c, callback) => callback(error), {}, {}, true).result).rejects.toBe(error);
    const thrown = invokeHandler(
      () => {
        throw error;
      },
      {},
      {},
    );
    expect(thrown.callbackStyle).toBe(false);
    await expect(thrown.result).rejects.toBe(error);
  });

  it('answers a callback handler that never calls back with nothing once the event loop is empty, as Lambda does', async () => {
    const listeners = process.listenerCount('beforeExit');
    const outcome = invokeHandler(() => undefined, {}, {}, true);
    expect(outcome.callbackStyle).toBe(true);
    // What the runtime's process emits when nothing is left to run.
    process.emit('beforeExit', 0);
    expect(await outcome.result).toBeUndefined();
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });

  it('stops waiting for the empty event loop once the handler calls back', async () => {
    const listeners = process.listenerCount('beforeExit');
    const outcome = invokeHandler(
      (_e, _c, callback: LambdaCallback<string>) => later(callback, 'called back'),
      {},
      {},
      true,
    );
    expect(process.listenerCount('beforeExit')).toBe(listeners + 1);
    expect(await outcome.result).toBe('called back');
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });

  it('ignores what a callback handler returns, as the runtime does, and waits for its callback', async () => {
    // A concise arrow returns what its body does: here a Timeout, which is no answer.
    // (JavaScript, or a handler typed loosely: TypeScript's LambdaHandler type forbids it.)
    const concise = (_e: unknown, _c: unknown, callback: LambdaCallback<string>) =>
      setTimeout(() => callback(null, 'ok'), 1);
    const outcome = invokeHandler(concise as never, {}, {}, true);
    expect(outcome.callbackStyle).toBe(true);
    expect(await outcome.result).toBe('ok');
  });

  it('where callback handlers no longer run (Node.js 24, Managed Instances), takes what the handler returns, nothing included', async () => {
    expect(await invokeHandler(() => 42, {}, {}, false).result).toBe(42);
    const logOnly = invokeHandler((_event: unknown) => undefined, {}, {}, false);
    expect(logOnly.callbackStyle).toBe(false);
    expect(await logOnly.result).toBeUndefined();
    expect(await invokeHandler(async () => 'async', {}, {}, false).result).toBe('async');
  });

  it('where callback handlers no longer run, fails a handler that waits for its callback at once, with the reason, instead of hanging', async () => {
    const outcome = invokeHandler(
      (_e, _c, callback: LambdaCallback<string>) => later(callback, 'too late'),
      {},
      {},
      false,
    );
    await expect(outcome.result).rejects.toThrow(/callback handler.*Node\.js 24/);
    // One that answers at once is fine there.
    expect(
      await invokeHandler((_e, _c, callback: LambdaCallback<string>) => callback(null, 'now'), {}, {}, false).result,
    ).toBe('now');
  });
});
