import { CONTEXT_FIELDS, type Carrier } from '../propagation/carrier';

/** The context fields a message can take, and the ones left out. */
export interface Fitted {
  /** Undefined: not even `traceparent` fits. */
  readonly carrier: Carrier | undefined;
  readonly dropped: string[];
}

/** The W3C fields the carrier has, in order of importance. */
export function contextFields(carrier: Carrier): string[] {
  return CONTEXT_FIELDS.filter((field) => carrier[field]);
}

/**
 * The most of the W3C context that `fits` accepts, leaving out baggage first, then
 * tracestate, then the traceparent itself: the user's message always goes, with whatever
 * part of the context has room.
 */
export function fitContext(carrier: Carrier, fits: (candidate: Carrier) => boolean): Fitted {
  const present = contextFields(carrier);
  for (let kept = present.length; kept > 0; kept--) {
    const candidate: Carrier = {};
    for (const field of present.slice(0, kept)) candidate[field] = carrier[field]!;
    if (fits(candidate)) return { carrier: candidate, dropped: present.slice(kept) };
  }
  return { carrier: undefined, dropped: present };
}
