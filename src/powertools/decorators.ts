// Decorated methods take and return anything.
export type AnyMethod = (this: any, ...args: any[]) => any;

/**
 * A method decorator for both decorator flavours: TypeScript's `experimentalDecorators`
 * (what Powertools supports: target, key, descriptor) and the standard ones of TypeScript 5
 * and esbuild (method, context).
 *
 * @example
 * ```typescript
 * import { Tracer, type MethodDecorator } from 'hoptrace/powertools';
 *
 * const traced: MethodDecorator = new Tracer().captureMethod();
 * ```
 */
export interface MethodDecorator {
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
  <T extends AnyMethod>(method: T, context: ClassMethodDecoratorContext): T;
}

export function methodDecorator(wrap: (method: AnyMethod, name: string) => AnyMethod): MethodDecorator {
  return ((target: unknown, key: unknown, descriptor?: PropertyDescriptor) => {
    if (descriptor === undefined) return wrap(target as AnyMethod, String((key as ClassMethodDecoratorContext).name));
    descriptor.value = wrap(descriptor.value as AnyMethod, String(key));
    return descriptor;
  }) as MethodDecorator;
}
