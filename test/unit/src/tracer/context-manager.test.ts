import { EventEmitter } from 'node:events';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { AsyncLocalStorageContextManager } from '../../../../src/tracer/context-manager';

const KEY = createContextKey('test');

describe('AsyncLocalStorageContextManager', () => {
  const manager = new AsyncLocalStorageContextManager();
  const ctx = ROOT_CONTEXT.setValue(KEY, 'v');

  it('keeps the context across awaits and timers inside with()', async () => {
    const seen = await manager.with(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return manager.active().getValue(KEY);
    });
    expect(seen).toBe('v');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes this and arguments through with()', () => {
    const target = {
      n: 2,
      f(this: { n: number }, a: number) {
        return this.n * a;
      },
    };
    expect(manager.with(ctx, target.f, target, 21)).toBe(42);
  });

  it('binds functions to a context', () => {
    const bound = manager.bind(ctx, () => manager.active().getValue(KEY));
    expect(bound()).toBe('v');
  });

  it('binds event emitter listeners, and removing the original listener works', () => {
    const emitter = manager.bind(ctx, new EventEmitter());
    const seen: unknown[] = [];
    const listener = (): void => {
      seen.push(manager.active().getValue(KEY));
    };
    emitter.on('x', listener);
    emitter.emit('x');
    emitter.off('x', listener);
    emitter.emit('x');
    expect(seen).toEqual(['v']);
  });
});
