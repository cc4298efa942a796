import { durationMsBetween } from '../../../src/otlp/micros';
import { OtlpSpanKind } from '../../../src/otlp/types';
import type { Dependency } from '../analysis/dependency';
import type { Failure } from '../analysis/failure';
import type { SpanStatus, TraceSpan } from '../model';

/** What every analysis needs of a span, kept small: a million of them stay in memory. */
export interface CompactSpan {
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  name: string;
  /** OTLP span kind number. */
  kind: number;
  /** Microseconds since the epoch (a double holds them exactly; nanoseconds it cannot). */
  startUs: number;
  endUs: number;
  /** `Flag` bits. */
  flags: number;
  /** Bit i set when the span satisfies the query's spanset i (evaluated as it is read, while its attributes are at hand). */
  spansets: number;
  /** What a client or producer span calls, when its attributes say; undefined for the others. */
  dependency: Dependency | undefined;
  /** What a failed span says of its failure; undefined for the others. */
  failure: Failure | undefined;
  /** Spans this one links to (batch consumers link to their producers), as `traceId/spanId`. */
  links: string[] | undefined;
}

export const Flag = {
  Error: 1,
  Ok: 2,
  /** `faas.coldstart` true. */
  Cold: 4,
  /** An invocation's root: carries `faas.coldstart`. */
  Invocation: 8,
  /** The wrapper's `init` span (carries `hoptrace.init_type`): the sandbox's init duration. */
  Init: 16,
  /** The timeout guard's copy of a span still open (`hoptrace.provisional`): its real end, if it comes, replaces it. */
  Provisional: 64,
} as const;

const KIND_NAMES: TraceSpan['kind'][] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function kindName(kind: number): TraceSpan['kind'] {
  return KIND_NAMES[kind] ?? 'unspecified';
}

/** The OTLP kind number of a kind's name, in any case (the span table spells them `Server`, …); 0 for none. */
export function kindNumber(name: string): number {
  return Math.max(0, KIND_NAMES.indexOf(name.toLowerCase() as TraceSpan['kind']));
}

export function statusOf(span: Pick<CompactSpan, 'flags'>): SpanStatus {
  return span.flags & Flag.Error ? 'error' : span.flags & Flag.Ok ? 'ok' : 'unset';
}

export const durationMs = (span: Pick<CompactSpan, 'startUs' | 'endUs'>): number =>
  durationMsBetween(span.startUs, span.endUs);

/** Client and producer spans: the ones that call something. */
export const isCaller = (kind: unknown): boolean => kind === OtlpSpanKind.Client || kind === OtlpSpanKind.Producer;

/** A span across an asynchronous hop: a consumer, or the child of a producer. */
export function isAsyncHop(span: CompactSpan, parent: CompactSpan): boolean {
  return span.kind === OtlpSpanKind.Consumer || parent.kind === OtlpSpanKind.Producer;
}

/** What a span's detail adds to its compact form (kept only for traces shown in full). */
export type SpanDetail = Pick<TraceSpan, 'statusMessage' | 'attributes' | 'resource' | 'events' | 'links'>;
