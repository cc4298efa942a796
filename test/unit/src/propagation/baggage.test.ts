import { propagation, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { parseBaggage, serializeBaggage, W3CBaggagePropagator } from '../../../../src/propagation/baggage';

describe('W3C baggage', () => {
  it('parses members with percent-encoding and properties', () => {
    const entries = parseBaggage('tenant=acme, user=j%C3%B6rg;pii=true,bad key=x,novalue,=empty,broken=%E0%A4%A');
    expect(Object.keys(entries)).toEqual(['tenant', 'user']);
    expect(entries.user!.value).toBe('jörg');
    expect(entries.user!.metadata?.toString()).toBe('pii=true');
  });

  it('stores __proto__ and constructor as plain keys, never touching prototypes', () => {
    const entries = parseBaggage('__proto__=polluted,constructor=x');
    expect(Object.getPrototypeOf(entries)).toBeNull();
    // biome-ignore lint/complexity/useLiteralKeys lint/suspicious/noProto: the own key `__proto__` is what is tested.
    expect(entries['__proto__']!.value).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const ctx = new W3CBaggagePropagator().extract(
      ROOT_CONTEXT,
      { baggage: '__proto__=polluted' },
      defaultTextMapGetter,
    );
    expect(propagation.getBaggage(ctx)?.getEntry('__proto__')?.value).toBe('polluted');
  });

  it('keeps at most 64 members and 8192 bytes', () => {
    const many = Array.from({ length: 100 }, (_, i) => `k${i}=v`).join(',');
    expect(Object.keys(parseBaggage(many))).toHaveLength(64);
    const big = Array.from({ length: 10 }, (_, i) => `k${i}=${'v'.repeat(1000)}`);
    const serialized = serializeBaggage(big.map((m) => [m.split('=')[0]!, { value: m.split('=')[1]! }]));
    expect(serialized.length).toBeLessThanOrEqual(8192);
    expect(serialized.split(',')).toHaveLength(8);
  });

  it('drops a member that crosses 8192 characters whole, never cutting its value', () => {
    const header = `a=${'x'.repeat(8000)},b=${'y'.repeat(500)},c=1`;
    const entries = parseBaggage(header);
    expect(Object.keys(entries)).toEqual(['a']);
    expect(entries.a!.value).toHaveLength(8000);
    const out: Record<string, string> = {};
    const ctx = new W3CBaggagePropagator().extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter);
    new W3CBaggagePropagator().inject(ctx, out, defaultTextMapSetter);
    expect(out.baggage).toBe(`a=${'x'.repeat(8000)}`);
  });

  it('round-trips through the propagator', () => {
    const propagator = new W3CBaggagePropagator();
    const ctx = propagator.extract(ROOT_CONTEXT, { baggage: 'a=1,b=x%20y' }, defaultTextMapGetter);
    const out: Record<string, string> = {};
    propagator.inject(ctx, out, defaultTextMapSetter);
    expect(out.baggage).toBe('a=1,b=x%20y');
  });
});
