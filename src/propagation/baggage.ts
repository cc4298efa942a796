import {
  propagation,
  baggageEntryMetadataFromString,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { wholeMembersWithin } from './list-members';
import { headerValue } from './trace-context';

export const BAGGAGE = 'baggage';

// W3C Baggage limits (https://www.w3.org/TR/baggage/#limits).
const MAX_MEMBERS = 64;
const MAX_BYTES = 8192;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Parses a `baggage` header; invalid members are skipped, limits drop whole members. */
export function parseBaggage(header: string): Record<string, BaggageEntry> {
  // Null prototype: a member named `__proto__` is data, never a prototype.
  const entries = Object.create(null) as Record<string, BaggageEntry>;
  const bounded = wholeMembersWithin(header, MAX_BYTES);
  let count = 0;
  for (const member of bounded.split(',')) {
    if (count >= MAX_MEMBERS) break;
    const [pair = '', ...properties] = member.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = decode(pair.slice(eq + 1).trim());
    if (!TOKEN.test(key) || value === undefined) continue;
    const entry: BaggageEntry = { value };
    if (properties.length > 0) entry.metadata = baggageEntryMetadataFromString(properties.join(';'));
    entries[key] = entry;
    count++;
  }
  return entries;
}

/** Serializes baggage, skipping members that would break the W3C limits. */
export function serializeBaggage(entries: Array<[string, BaggageEntry]>): string {
  const members: string[] = [];
  let bytes = 0;
  for (const [key, entry] of entries) {
    if (members.length >= MAX_MEMBERS) break;
    if (!TOKEN.test(key)) continue;
    let member = `${key}=${encodeURIComponent(entry.value)}`;
    const metadata = entry.metadata?.toString();
    if (metadata) member += `;${metadata}`;
    const added = member.length + (members.length > 0 ? 1 : 0);
    if (bytes + added > MAX_BYTES) continue;
    members.push(member);
    bytes += added;
  }
  return members.join(',');
}

/** W3C Baggage; with `extractInbound` false, it sends the application's baggage but never reads a carrier's. */
export class W3CBaggagePropagator implements TextMapPropagator {
  constructor(private readonly extractInbound = true) {}

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = propagation.getBaggage(ctx);
    if (!baggage) return;
    const value = serializeBaggage(baggage.getAllEntries());
    if (value) setter.set(carrier, BAGGAGE, value);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!this.extractInbound) return ctx;
    const header = headerValue(getter.get(carrier, BAGGAGE));
    if (!header) return ctx;
    const entries = parseBaggage(header);
    if (Object.keys(entries).length === 0) return ctx;
    return propagation.setBaggage(ctx, propagation.createBaggage(entries));
  }

  fields(): string[] {
    return [BAGGAGE];
  }
}
