import type { TraceState } from '@opentelemetry/api';
import { wholeMembersWithin } from './list-members';

// W3C Trace Context limits (https://www.w3.org/TR/trace-context/#tracestate-header).
const MAX_MEMBERS = 32;
const MAX_LENGTH = 512;
const LONG_MEMBER = 128;

function isValidTraceStateKey(key: string): boolean {
  // Written here, not as a module constant: created when first used, not at init.
  return /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/.test(key);
}

function isValidTraceStateValue(value: string): boolean {
  return /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/.test(value);
}

/** Immutable W3C tracestate; members are kept in header order, most recent first. */
export class W3CTraceState implements TraceState {
  private constructor(private readonly members: ReadonlyArray<readonly [string, string]>) {}

  /**
   * Parses a tracestate header leniently: invalid or duplicate members are dropped, and a
   * list over the W3C limits is truncated (long members first, then from the end) instead
   * of being discarded whole.
   */
  static parse(header: string): W3CTraceState {
    const members: Array<[string, string]> = [];
    const seen = new Set<string>();
    // A header far beyond the limit is hostile; parse only the members of a bounded prefix.
    const bounded = wholeMembersWithin(header, MAX_LENGTH * 4);
    for (const raw of bounded.split(',')) {
      const member = raw.trim();
      if (member === '') continue;
      const eq = member.indexOf('=');
      if (eq <= 0) continue;
      const key = member.slice(0, eq);
      const value = member.slice(eq + 1);
      if (seen.has(key) || !isValidTraceStateKey(key) || !isValidTraceStateValue(value)) continue;
      seen.add(key);
      members.push([key, value]);
    }
    return new W3CTraceState(truncate(members));
  }

  get(key: string): string | undefined {
    for (const [k, v] of this.members) if (k === key) return v;
    return undefined;
  }

  set(key: string, value: string): TraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const rest = this.members.filter(([k]) => k !== key);
    return new W3CTraceState(truncate([[key, value], ...rest]));
  }

  unset(key: string): TraceState {
    return new W3CTraceState(this.members.filter(([k]) => k !== key));
  }

  serialize(): string {
    return this.members.map(([k, v]) => `${k}=${v}`).join(',');
  }
}

function serializedLength(members: ReadonlyArray<readonly [string, string]>): number {
  let length = Math.max(0, members.length - 1);
  for (const [k, v] of members) length += k.length + 1 + v.length;
  return length;
}

function truncate(members: Array<readonly [string, string]>): Array<readonly [string, string]> {
  let kept = members.length > MAX_MEMBERS ? members.slice(0, MAX_MEMBERS) : members;
  if (serializedLength(kept) <= MAX_LENGTH) return kept;
  kept = kept.filter(([k, v]) => k.length + 1 + v.length <= LONG_MEMBER);
  while (kept.length > 0 && serializedLength(kept) > MAX_LENGTH) kept = kept.slice(0, -1);
  return kept;
}
