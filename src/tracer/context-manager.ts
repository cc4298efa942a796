import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

type Listener = (...args: unknown[]) => unknown;
const ADD_METHODS = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const;
const REMOVE_METHODS = ['removeListener', 'off'] as const;

/** The active context, carried across awaits and callbacks by AsyncLocalStorage. */
export class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const call = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.storage.run(ctx, call, ...args);
  }

  /**
   * Makes `ctx` active for the rest of the current execution and what it awaits: for
   * middleware lifecycles (middy) that cannot wrap the handler in a callback.
   */
  enterWith(ctx: Context): void {
    this.storage.enterWith(ctx);
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target === 'function') return this.bindFunction(ctx, target as unknown as Listener) as unknown as T;
    if (target instanceof EventEmitter) this.bindEmitter(ctx, target);
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }

  private bindFunction(ctx: Context, fn: Listener): Listener {
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]): unknown {
      return manager.with(ctx, () => fn.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: fn.length });
    return bound;
  }

  /** Listeners added from now on run in `ctx`; removing the original listener still works. */
  private bindEmitter(ctx: Context, emitter: EventEmitter): void {
    const manager = this;
    const wrapped = new WeakMap<Listener, Listener>();
    const target = emitter as unknown as Record<string, (event: string | symbol, listener: Listener) => unknown>;
    for (const method of ADD_METHODS) {
      const original = target[method]!;
      target[method] = function (this: unknown, event, listener) {
        let bound = wrapped.get(listener);
        if (!bound) {
          bound = manager.bindFunction(ctx, listener);
          wrapped.set(listener, bound);
        }
        return original.call(this, event, bound);
      };
    }
    for (const method of REMOVE_METHODS) {
      const original = target[method]!;
      target[method] = function (this: unknown, event, listener) {
        return original.call(this, event, wrapped.get(listener) ?? listener);
      };
    }
  }
}
