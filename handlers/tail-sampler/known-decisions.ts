import type { Decision } from './policy';

/**
 * The decisions this sandbox stored or read, each until its item expires: a later part of a
 * kept trace finds its decision here instead of in the batch's lookup round. A shard's records
 * reach one sandbox at a time, in order, and a stored decision is only ever replaced by another
 * keep, so one held here is what the table holds. The oldest go first past `capacity`.
 */
export class KnownDecisions {
  private readonly entries = new Map<string, { decision: Decision; expiresMs: number }>();

  constructor(private readonly capacity: number) {}

  get(traceId: string, nowMs: number): Decision | undefined {
    const entry = this.entries.get(traceId);
    if (entry === undefined) return undefined;
    if (entry.expiresMs > nowMs) return entry.decision;
    this.entries.delete(traceId);
    return undefined;
  }

  set(traceId: string, decision: Decision, expiresMs: number): void {
    this.entries.delete(traceId);
    this.entries.set(traceId, { decision, expiresMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
