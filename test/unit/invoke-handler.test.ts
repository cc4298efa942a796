import { describe, expect, it } from 'vitest';
import { invokeHandler, type LambdaCallback } from '../../src/wrapper/invoke-handler';

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
    const thrown = invokeHandler(() => {
      throw error;
    }, {}, {});
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
    const outcome = invokeHandler((_e, _c, callback: LambdaCallback<string>) => later(callback, 'called back'), {}, {}, true);
    expect(process.listenerCount('beforeExit')).toBe(listeners + 1);
    expect(await outcome.result).toBe('called back');
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });

  it('takes a plain value returned as the answer', async () => {
    expect(await invokeHandler(() => 42, {}, {}).result).toBe(42);
  });

  it('where callback handlers no longer run (Node.js 24), fails at once with the reason instead of hanging', async () => {
    const outcome = invokeHandler((_e, _c, callback: LambdaCallback<string>) => later(callback, 'too late'), {}, {}, false);
    await expect(outcome.result).rejects.toThrow(/callback handler.*Node\.js 24/);
    // One that answers at once, or returns a promise, is fine there.
    expect(await invokeHandler((_e, _c, callback: LambdaCallback<string>) => callback(null, 'now'), {}, {}, false).result).toBe('now');
    expect(await invokeHandler(async () => 'async', {}, {}, false).result).toBe('async');
  });
});
