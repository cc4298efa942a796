import { ROOT_CONTEXT, trace, type TextMapGetter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  formatTraceParent,
  parseTraceParent,
  W3CTraceContextPropagator,
} from '../../../../src/propagation/trace-context';
import { W3CTraceState } from '../../../../src/propagation/trace-state';

const VALID = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const getter: TextMapGetter<Record<string, string | string[]>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};

describe('parseTraceParent', () => {
  it('parses a valid header, remote and sampled', () => {
    expect(parseTraceParent(VALID)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceParent(`  ${VALID}  `)?.spanId).toBe('b7ad6b7169203331');
    expect(parseTraceParent(VALID.replace(/01$/, '00'))?.traceFlags).toBe(0);
  });

  it('accepts a future version with extra fields, reading the known ones', () => {
    expect(
      parseTraceParent(`cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-holds`)?.traceId,
    ).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('keeps only the flags it knows', () => {
    expect(parseTraceParent(VALID.replace(/01$/, 'ff'))?.traceFlags).toBe(1);
  });

  it.each([
    ['version ff', VALID.replace(/^00/, 'ff')],
    ['version 00 with extra field', `${VALID}-00`],
    ['future version, no dash after the flags', `cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x`],
    ['short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['long trace id', '00-0af7651916cd43dd8448eb211c80319c00-b7ad6b7169203331-01'],
    ['short span id', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01'],
    ['zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['zero span id', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['uppercase', VALID.toUpperCase()],
    ['one-digit flags', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1'],
    ['wrong separators', VALID.replace(/-/g, '_')],
    ['empty', ''],
    ['10 KB', VALID + 'x'.repeat(10_240)],
    ['unicode', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333\u00e9-01'],
  ])('refuses %s', (_label, header) => {
    expect(parseTraceParent(header)).toBeUndefined();
  });

  it('round-trips through formatTraceParent', () => {
    expect(formatTraceParent(parseTraceParent(VALID)!)).toBe(VALID);
  });
});

describe('W3CTraceContextPropagator', () => {
  const propagator = new W3CTraceContextPropagator();

  it('extracts traceparent and tracestate, and injects them back', () => {
    const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: VALID, tracestate: 'a=1,b=2' }, getter);
    expect(trace.getSpanContext(ctx)?.traceState?.serialize()).toBe('a=1,b=2');
    const out: Record<string, string> = {};
    propagator.inject(ctx, out, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
    expect(out).toEqual({ traceparent: VALID, tracestate: 'a=1,b=2' });
  });

  it('treats a traceparent sent twice as absent', () => {
    const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: [VALID, VALID.replace(/31-01$/, '32-01')] }, getter);
    expect(trace.getSpanContext(ctx)).toBeUndefined();
  });

  it('joins a tracestate sent as several headers', () => {
    const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: VALID, tracestate: ['a=1', 'b=2'] }, getter);
    expect(trace.getSpanContext(ctx)?.traceState?.serialize()).toBe('a=1,b=2');
  });

  it('ignores a tracestate without a valid traceparent', () => {
    const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: 'garbage', tracestate: 'a=1' }, getter);
    expect(trace.getSpanContext(ctx)).toBeUndefined();
  });
});

describe('W3CTraceState', () => {
  it('drops invalid and duplicate members and keeps the rest in order', () => {
    const state = W3CTraceState.parse('a=1, BAD=2,b=has space ok,c=,a=3,tenant@vendor=x,=y,noequals');
    expect(state.serialize()).toBe('a=1,b=has space ok,tenant@vendor=x');
  });

  it('truncates to 32 members', () => {
    const header = Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(',');
    const state = W3CTraceState.parse(header);
    expect(state.serialize().split(',')).toHaveLength(32);
    expect(state.get('k0')).toBe('v');
    expect(state.get('k35')).toBeUndefined();
  });

  it('drops long members first, then from the end, to fit 512 characters', () => {
    const long = `big=${'x'.repeat(200)}`;
    const members = [long, ...Array.from({ length: 30 }, (_, i) => `k${i}=${'v'.repeat(20)}`)];
    const state = W3CTraceState.parse(members.join(','));
    const out = state.serialize();
    expect(out.length).toBeLessThanOrEqual(512);
    expect(state.get('big')).toBeUndefined();
    expect(state.get('k0')).toBe('v'.repeat(20));
  });

  it('drops a member cut by the bound on hostile headers whole, never forwarding it shortened', () => {
    const long = Array.from({ length: 15 }, (_, i) => `l${i}=${'x'.repeat(130)}`);
    const header = [...long, `cut=${'v'.repeat(200)}`, 'after=1'].join(',');
    expect(header.indexOf('cut=')).toBeLessThan(2048);
    expect(header.indexOf('after=')).toBeGreaterThan(2048);
    const state = W3CTraceState.parse(header);
    expect(state.get('cut')).toBeUndefined();
    expect(state.serialize()).toBe('');
  });

  it('bounds the work on a hostile 100 KB header', () => {
    const state = W3CTraceState.parse(`a=1,${'x'.repeat(100_000)}`);
    expect(state.get('a')).toBe('1');
  });

  it('sets to the front, updates move to the front, unset removes, and invalid input is refused', () => {
    const state = W3CTraceState.parse('a=1,b=2');
    expect(state.set('c', '3').serialize()).toBe('c=3,a=1,b=2');
    expect(state.set('b', '9').serialize()).toBe('b=9,a=1');
    expect(state.unset('a').serialize()).toBe('b=2');
    expect(state.set('Bad', 'x').serialize()).toBe('a=1,b=2');
    expect(state.set('ok', 'bad,value').serialize()).toBe('a=1,b=2');
  });
});
