// The tail sampler's variables (its forwarder's are in forward-env.ts). A bad value refuses
// start; rendered by `npm run render:env`.
import { required, variable } from '../../src/config/env';
import {
  boolean,
  InvalidValueError,
  numberWhere,
  orOff,
  positive,
  ratio,
  text,
  type Parser,
} from '../../src/config/parsers';
import { isObject } from '../../src/guards';

export { metricsNamespace } from '../env';

type Targets = Record<string, Record<string, number>>;

const TARGETS_RULE =
  'a JSON object of services, each an object of operation names to kept traces per second, ' +
  'e.g. {"orders":{"POST /orders":5}}';

const targetsError = (what: string): InvalidValueError => new InvalidValueError(`${TARGETS_RULE}; ${what}`);

/** `{"service": {"operation": targetPerSecond}}`, each target a positive number. */
const targetsJson: Parser<Targets> = {
  rule: TARGETS_RULE,
  parse: (raw) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new InvalidValueError(`${TARGETS_RULE} (this is not JSON)`);
    }
    if (!isObject(parsed)) throw new InvalidValueError();
    for (const [service, operations] of Object.entries(parsed)) {
      if (!isObject(operations)) {
        throw targetsError(`"${service}" is not an object of operation names to traces per second`);
      }
      for (const [operation, target] of Object.entries(operations)) {
        if (typeof target !== 'number' || !(target > 0)) {
          throw targetsError(`"${service}" / "${operation}" is not a positive number of traces per second`);
        }
      }
    }
    return parsed as Targets;
  },
};

/** The decision table. Set by the template. */
export const decisionTable = required('HOPTRACE_DECISION_TABLE', text);

/**
 * Where the DynamoDB API is (dynalite locally).
 * @default the region's
 */
export const dynamodbEndpoint = variable(['HOPTRACE_DYNAMODB_ENDPOINT'], text, undefined);

/** How long a "keep" decision is remembered for later parts of its trace, in seconds. */
export const decisionTtlSeconds = variable(['HOPTRACE_DECISION_TTL_S'], positive('seconds'), 3600);

/** How long a routine part waits in the store for an interesting part of its trace, in seconds. */
export const parkTtlSeconds = variable(['HOPTRACE_PARK_TTL_S'], positive('seconds'), 900);

/** How long the pipeline SLIs wait for a trace's parts, from the first, before counting the trace once, in seconds. */
export const sliWaitSeconds = variable(['HOPTRACE_SLI_WAIT_S'], positive('seconds'), 60);

/** Keep traces with a span with status ERROR. */
export const keepErrors = variable(['HOPTRACE_KEEP_ERRORS'], boolean, true);

/** Keep traces with a span longer than this, in ms; `off` turns the policy off. */
export const keepLatencyMs = variable(['HOPTRACE_KEEP_LATENCY_MS'], orOff(positive('ms')), 1000);

/** Keep traces with a cold start. */
export const keepColdStarts = variable(['HOPTRACE_KEEP_COLD_STARTS'], boolean, true);

/** Fraction of the other traces kept; with adaptive sampling, a new operation's first probability. */
export const sampleRatio = variable(['HOPTRACE_SAMPLE_RATIO'], ratio, 0.1);

/**
 * Adaptive sampling: kept routine traces per second per (service, root operation), instead of the fixed ratio.
 * @default off: the fixed ratio
 */
export const targetPerSecond = variable(['HOPTRACE_TAIL_TARGET_PER_S'], positive('traces per second'), undefined);

/** Adaptive sampling: targets per operation, overriding `HOPTRACE_TAIL_TARGET_PER_S`. */
export const targets = variable(['HOPTRACE_TAIL_TARGETS'], targetsJson, {});

/** Adaptive sampling: how often each operation's probability is recomputed, in seconds. */
export const intervalSeconds = variable(['HOPTRACE_TAIL_INTERVAL_S'], positive('seconds'), 60);

/** Adaptive sampling: an operation with fewer traces in an interval is kept whole in the next. */
export const minTraces = variable(
  ['HOPTRACE_TAIL_MIN_TRACES'],
  numberWhere('a number of traces, 0 or more', (n) => n >= 0),
  10,
);

/** Adaptive sampling: keep a root slower than its operation's p99 of the interval before. */
export const keepOverP99 = variable(['HOPTRACE_TAIL_KEEP_OVER_P99'], boolean, true);

/** Adaptive sampling: availability objective of each operation, for the error-budget burn. */
export const objective = variable(
  ['HOPTRACE_TAIL_OBJECTIVE'],
  numberWhere('between 0 and 1, exclusive (0.999 for 99.9%)', (n) => n > 0 && n < 1),
  0.999,
);

/** Adaptive sampling: burn over one interval at which an operation's traces are all kept. */
export const boostBurn = variable(
  ['HOPTRACE_TAIL_BOOST_BURN'],
  numberWhere('a positive burn rate (1 spends the error budget exactly)', (n) => n > 0),
  14.4,
);

/** Adaptive sampling: how long such a boost lasts (extended while the burn stays over), in seconds. */
export const boostSeconds = variable(['HOPTRACE_TAIL_BOOST_S'], positive('seconds'), 600);
