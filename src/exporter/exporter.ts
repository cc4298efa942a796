import { context, type Attributes } from '@opentelemetry/api';
import { logger } from '../logger';
import type { Redactor } from '../redaction';
import type { RecordingSpan } from '../tracer/span';
import { suppressTracing } from '../tracer/suppress';
import { nowMs } from '../tracer/time';
import { settledWithin } from '../lambda/settled-by';
import { CircuitBreaker } from './circuit-breaker';
import { ExportTrouble } from './export-trouble';
import { HttpTransport } from './http-transport';
import { encodeBatches, mergeBodies, spansIn } from './otlp-json';
import { isRetryableNetworkError, isRetryableStatus, retryDelayMs } from './retry';
import { openSpool, type Spool } from './spool';

export interface ExporterSettings {
  endpoint: string | undefined;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  /** Longest one request may take (OpenTelemetry's export timeout); the flush deadline caps it. */
  requestTimeoutMs: number;
  maxExportBytes: number;
  resource: Attributes;
  /** Scrubs the secrets inside values on their way out. */
  redactor: Redactor;
  /** Where undeliverable bodies wait for a later invocation; undefined turns the spool off. */
  spool: { dir: string; maxBytes: number } | undefined;
}

interface Delivery {
  ok: boolean;
  /** The failure may pass (network, timeout, 429/502/503/504, deadline): worth keeping. */
  transient: boolean;
  reason?: string;
}

export interface DrainOptions {
  background?: boolean;
  batch?: boolean;
  /** The sandbox's last chance (SIGTERM): tried even while the circuit is open. */
  last?: boolean;
  /** See ExportOptions. */
  afterResponse?: boolean;
  /** A drain under way is not joined: what it did not take goes beside it (see Spool.drain). */
  beside?: boolean;
}

export interface ExportOptions {
  /**
   * Runs after the response, the freeze held off by the extension: nothing it waits on keeps
   * the event loop alive, as the runtime answers a callback handler only once the loop is empty.
   */
  afterResponse?: boolean;
}

interface Send {
  role: 'flush' | 'resend';
  /** Not waited for: one attempt, no retry (the next interval's export is the retry). */
  background: boolean;
  last?: boolean;
  /** Neither its socket nor its timers keep the event loop alive: background, or after the response. */
  unref: boolean;
}

const sleep = (ms: number, unref: boolean): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });

/**
 * Ships finished spans as OTLP/HTTP JSON. Never throws: every failure becomes a count and a
 * rate-limited log line, because it runs on the path of someone else's handler.
 */
export class OtlpExporter {
  private readonly transport: HttpTransport | undefined;
  private readonly spool: Spool | undefined;
  private readonly breaker = new CircuitBreaker();
  private readonly trouble = new ExportTrouble();
  /** Spooled bodies whose failed delivery was counted, so a body waiting through many drains counts once. */
  private readonly countedSpooled = new Set<string>();
  /** The probe of an endpoint taken for dead, while it runs: deliveries meanwhile wait for its verdict. */
  private probe: Promise<unknown> | undefined;

  constructor(private readonly settings: ExporterSettings) {
    if (!settings.endpoint) return;
    try {
      this.transport = new HttpTransport(settings.endpoint, settings.headers, settings.compression);
      if (settings.spool)
        this.spool = openSpool(settings.spool.dir, settings.endpoint, settings.spool.maxBytes, settings.maxExportBytes);
    } catch (error) {
      logger.warnOnce(
        'endpoint',
        `invalid OTLP endpoint "${settings.endpoint}": ${(error as Error).message}; spans will be dropped.`,
      );
    }
  }

  /** The resource of the spans exported from now on. */
  useResource(resource: Attributes): void {
    this.settings.resource = resource;
  }

  /** Bytes `persist` wrote so far in this process, a running total: a batch is what it grew by since its export began. */
  journaledBytes(): number {
    return this.spool?.journaledBytes ?? 0;
  }

  /** Spans the spool had to drop in this sandbox so far (full, or unwritable). */
  spoolDropped(): number {
    return this.spool?.droppedSpans ?? 0;
  }

  /** Bytes waiting in the spool, 0 without one. */
  spooledBytes(): number {
    return this.spool && this.transport ? this.spool.pendingBytes() : 0;
  }

  /** Whether a drain of the spool is under way (one a new drainSpool call would join). */
  drainingSpool(): boolean {
    return this.spool?.busy ?? false;
  }

  /**
   * Sends what the spool holds, oldest first, as few requests as `maxExportBytes` allows,
   * until the deadline or the first failure that may pass; each body is deleted once
   * acknowledged, so it is never sent twice. Only the bodies there when it starts: one
   * written meanwhile waits for the next drain. A second caller gets the running drain, or
   * with `beside` sends what it did not take beside it. `background`: see HttpTransport.send. `batch`: the spool
   * holds the sandbox's batch (hoptrace/lambda), so its failures count as a flush's for the
   * circuit breaker. While the breaker turns deliveries away, a drain reads no file: that would
   * cost every invocation of an outage, for nothing.
   */
  drainSpool(
    deadline: () => number,
    { background = false, batch = false, last = false, afterResponse = false, beside = false }: DrainOptions = {},
  ): Promise<void> {
    const send: Send = { background, role: batch ? 'flush' : 'resend', last, unref: background || afterResponse };
    const { spool, transport } = this;
    if (!spool || !transport || spool.pendingBytes() === 0 || (!last && this.breaker.refusing()))
      return Promise.resolve();
    return spool.drain(async (entries) => {
      const deadlineMs = deadline();
      try {
        const waiting = [...entries];
        while (waiting.length > 0) {
          const group = this.nextGroup(waiting);
          const sent = await this.resend(spool, transport, group, deadlineMs, send);
          if (!sent) {
            const fresh = group.filter((entry) => !this.countedSpooled.has(entry.name));
            fresh.forEach((entry) => this.countedSpooled.add(entry.name));
            this.trouble.spooledSpans(fresh.reduce((n, entry) => n + entry.spans, 0));
            break;
          }
        }
        if (spool.pendingBytes() === 0) this.countedSpooled.clear();
      } catch (error) {
        logger.warn('spool:internal', `resending the spool failed: ${(error as Error).message}`);
      }
    }, beside);
  }

  /**
   * Encodes the spans into the spool at once, to leave with a later drain: on disk before the
   * sandbox may freeze, so a runtime that dies later loses none of them. False when there
   * is no spool (nor an endpoint): the caller exports instead.
   */
  persist(spans: RecordingSpan[]): boolean {
    if (!this.spool || !this.transport) return false;
    if (spans.length === 0) return true;
    try {
      const { bodies, oversized, unencodable } = this.encode(spans);
      this.reportUnsendable(oversized, unencodable);
      this.spool.append(bodies);
    } catch (error) {
      logger.warn('export:internal', `batching spans failed unexpectedly: ${(error as Error).message}`);
    }
    return true;
  }

  /** Request bodies of the spans, the first carrying the trouble since the last export. */
  private encode(spans: RecordingSpan[]): ReturnType<typeof encodeBatches> {
    const stamps = this.trouble.take(this.spoolDropped());
    const encoded = encodeBatches(
      spans,
      this.settings.resource,
      this.settings.maxExportBytes,
      this.settings.redactor,
      stamps,
    );
    if (encoded.bodies.length === 0) this.trouble.giveBack(stamps);
    return encoded;
  }

  /** The oldest bodies that fit one request, taken off `waiting`. */
  private nextGroup(
    waiting: Array<{ name: string; bytes: number; spans: number }>,
  ): Array<{ name: string; bytes: number; spans: number }> {
    const group = [waiting.shift()!];
    let bytes = group[0]!.bytes;
    while (waiting.length > 0 && bytes + waiting[0]!.bytes <= this.settings.maxExportBytes) {
      bytes += waiting[0]!.bytes;
      group.push(waiting.shift()!);
    }
    return group;
  }

  /** Sends a group of spooled bodies as one request; false when the drain should stop. */
  private async resend(
    spool: Spool,
    transport: HttpTransport,
    group: ReadonlyArray<{ name: string; spans: number }>,
    deadlineMs: number,
    send: Send,
  ): Promise<boolean> {
    const present = group
      .map((entry) => ({ entry, jsons: spool.read(entry.name) }))
      .filter((x): x is { entry: { name: string; spans: number }; jsons: string[] } => x.jsons !== undefined);
    if (present.length === 0) return true;
    const merged = mergeBodies(present.flatMap((x) => x.jsons));
    // Bodies that cannot be merged, or that were refused together (one bad body must not take the others along), go one by one.
    if (merged === undefined) return this.resendEach(spool, transport, present, deadlineMs, send);
    const delivery = await this.deliver(transport, merged, deadlineMs, send);
    if (delivery.ok) for (const x of present) spool.remove(x.entry.name);
    else if (delivery.transient) return false;
    else if (present.length > 1) return this.resendEach(spool, transport, present, deadlineMs, send);
    else return this.afterRefusal(spool, transport, present[0]!, delivery.reason, deadlineMs, send);
    return true;
  }

  private async resendEach(
    spool: Spool,
    transport: HttpTransport,
    bodies: ReadonlyArray<{ entry: { name: string; spans: number }; jsons: string[] }>,
    deadlineMs: number,
    send: Send,
  ): Promise<boolean> {
    for (const { entry, jsons } of bodies) {
      // Lines of other versions that cannot be merged go one by one at once.
      const json = mergeBodies(jsons);
      const delivery = json === undefined ? undefined : await this.deliver(transport, json, deadlineMs, send);
      if (delivery?.ok) spool.remove(entry.name);
      else if (delivery?.transient) return false;
      else if (!(await this.afterRefusal(spool, transport, { entry, jsons }, delivery?.reason, deadlineMs, send)))
        return false;
    }
    return true;
  }

  /** An entry refused whole (or never sent whole): dropped if it is one body, else sent body by body. */
  private afterRefusal(
    spool: Spool,
    transport: HttpTransport,
    { entry, jsons }: { entry: { name: string; spans: number }; jsons: string[] },
    reason: string | undefined,
    deadlineMs: number,
    send: Send,
  ): Promise<boolean> {
    if (jsons.length > 1 || reason === undefined)
      return this.resendLines(spool, transport, entry.name, jsons, deadlineMs, send);
    spool.remove(entry.name);
    this.reportRefused(entry.spans, reason);
    return Promise.resolve(true);
  }

  /**
   * A journal's bodies one by one, so that one the endpoint refuses does not take the others
   * along. A failure that may pass stops it: the entry keeps only the bodies not yet sent, so
   * none is sent twice. What was refused is counted by its own spans and said once.
   */
  private async resendLines(
    spool: Spool,
    transport: HttpTransport,
    name: string,
    jsons: string[],
    deadlineMs: number,
    send: Send,
  ): Promise<boolean> {
    let refused = 0;
    let reason: string | undefined;
    let stopped = false;
    for (let i = 0; i < jsons.length && !stopped; i++) {
      const delivery = await this.deliver(transport, jsons[i]!, deadlineMs, send);
      if (delivery.ok) continue;
      if (delivery.transient) {
        stopped = true;
        if (i > 0) spool.keep(name, jsons.slice(i));
      } else {
        refused += spansIn(jsons[i]!);
        reason = delivery.reason;
      }
    }
    if (!stopped) spool.remove(name);
    if (reason !== undefined) this.reportRefused(refused, reason);
    return !stopped;
  }

  private reportRefused(spans: number, reason: string | undefined): void {
    this.trouble.droppedSpans(spans);
    logger.warn(
      `spool:${reason}`,
      `${spans} spooled span(s) refused by ${this.settings.endpoint}: ${reason}; dropped.`,
    );
  }

  private reportUnsendable(oversized: number, unencodable: number): void {
    this.trouble.droppedSpans(oversized + unencodable);
    if (oversized > 0)
      logger.warn('oversized', `${oversized} span(s) larger than ${this.settings.maxExportBytes} bytes were dropped.`);
    if (unencodable > 0)
      logger.warn('unencodable', `${unencodable} span(s) with a start time that is not a time were dropped.`);
  }

  /** Prepares the connection machinery in the background, ahead of the next export. */
  warm(): void {
    this.transport?.warm();
  }

  /**
   * Sends the spans, giving up at `deadlineMs` (epoch ms). What is not delivered goes to the
   * spool when the failure may pass, and is dropped otherwise; either way it is logged.
   */
  async export(
    spans: RecordingSpan[],
    deadlineMs: number,
    { afterResponse = false }: ExportOptions = {},
  ): Promise<void> {
    if (spans.length === 0) return;
    if (!this.transport) {
      if (!this.settings.endpoint) {
        logger.warnOnce(
          'no-endpoint',
          'no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); spans are dropped.',
        );
      }
      return;
    }
    try {
      const { bodies, oversized, unencodable } = this.encode(spans);
      this.reportUnsendable(oversized, unencodable);
      const undelivered = [];
      let failing: Delivery | undefined;
      for (const body of bodies) {
        // Once the endpoint failed this flush, the rest waits in the spool: one failure per flush for the breaker.
        const delivery =
          failing ??
          (await this.deliver(this.transport, body.json, deadlineMs, {
            role: 'flush',
            background: false,
            unref: afterResponse,
          }));
        if (delivery.transient) failing = delivery;
        if (!delivery.ok) {
          if (delivery.transient && this.spool) {
            undelivered.push(body);
            this.trouble.spooledSpans(body.spans);
          } else this.trouble.droppedSpans(body.spans);
          const fate = delivery.transient && this.spool ? 'kept in the spool for a later invocation' : 'dropped';
          logger.warn(
            `export:${delivery.reason}`,
            `export of ${body.spans} span(s) to ${this.settings.endpoint} failed: ${delivery.reason}; ${fate}.`,
          );
        }
      }
      if (this.spool && undelivered.length > 0) {
        // Counted as spooled here: the drains that fail to send them later do not count them again.
        const known = new Set(this.spool.pending().map((entry) => entry.name));
        this.spool.save(undelivered);
        for (const entry of this.spool.pending()) if (!known.has(entry.name)) this.countedSpooled.add(entry.name);
      }
    } catch (error) {
      logger.warn('export:internal', `export failed unexpectedly: ${(error as Error).message}`);
    }
  }

  /**
   * One body, retried within the deadline. The breaker hears every answer, and the failures
   * of flushes and probes: a resend that fails at the start of an invocation only delays.
   */
  private async deliver(
    transport: HttpTransport,
    json: string,
    deadlineMs: number,
    { role, background, last, unref }: Send,
  ): Promise<Delivery> {
    if (this.probe && !last) await settledWithin(this.probe, deadlineMs - nowMs());
    if (deadlineMs <= nowMs()) return { ok: false, transient: true, reason: 'flush deadline reached' };
    if (!last && !this.breaker.allows())
      return { ok: false, transient: true, reason: 'endpoint unreachable, not tried (circuit open)' };
    const sending = this.sendWithRetries(transport, json, deadlineMs, background, unref)
      // Whatever happens, the breaker hears of it: a probe that never reports would keep it open for good.
      .catch((error: unknown): Delivery => ({ ok: false, transient: true, reason: (error as Error).message }))
      .then((delivery) => this.tellBreaker(delivery, role));
    if (this.breaker.probing) {
      const probe = sending.finally(() => {
        if (this.probe === probe) this.probe = undefined;
      });
      this.probe = probe;
    }
    return sending;
  }

  private tellBreaker(delivery: Delivery, role: 'flush' | 'resend'): Delivery {
    if (!delivery.transient) this.breaker.succeeded();
    else if (role === 'flush' || this.breaker.probing) {
      const probeAfterMs = this.breaker.failed();
      if (probeAfterMs !== undefined) {
        this.trouble.breakerOpened();
        logger.warn(
          'circuit-open',
          `${this.settings.endpoint} failed several flushes in a row (${delivery.reason}); spans go to the spool without a request until a probe, first in ${probeAfterMs / 1000} s, finds it back.`,
        );
      }
    }
    return delivery;
  }

  private async sendWithRetries(
    transport: HttpTransport,
    json: string,
    deadlineMs: number,
    background: boolean,
    unref: boolean,
  ): Promise<Delivery> {
    for (let attempt = 0; ; attempt++) {
      const remaining = deadlineMs - nowMs();
      if (remaining <= 0) return { ok: false, transient: true, reason: 'flush deadline reached' };
      let status: number;
      let retryAfter: string | undefined;
      let body: string;
      try {
        // Suppressed: an export must never be traced itself (no recursion).
        ({ status, retryAfter, body } = await context.with(suppressTracing(context.active()), () =>
          transport.send(json, Math.min(remaining, this.settings.requestTimeoutMs), unref),
        ));
      } catch (error) {
        // A reset kept-alive socket is retried at once on a fresh one; other errors are final.
        if (attempt === 0 && isRetryableNetworkError(error)) continue;
        // Refused, reset, unresolvable, timed out: the endpoint may come back.
        return { ok: false, transient: true, reason: (error as { code?: string }).code ?? (error as Error).message };
      }
      if (status >= 200 && status < 300) {
        reportPartialSuccess(body);
        return { ok: true, transient: false };
      }
      // Some gateways (HTTP APIs, serverless-offline) mangle gzip bodies into text; the
      // hoptrace ingest says so with 415. Resend uncompressed, and stay uncompressed.
      if (status === 415 && transport.stopCompressing()) {
        logger.warnOnce(
          'gzip-refused',
          `${this.settings.endpoint} refused a gzip body (HTTP 415); sending uncompressed from now on.`,
        );
        continue;
      }
      if (!isRetryableStatus(status)) return { ok: false, transient: false, reason: `HTTP ${status}` };
      if (background) return { ok: false, transient: true, reason: `HTTP ${status}` };
      const delay = retryDelayMs(attempt, retryAfter);
      if (nowMs() + delay >= deadlineMs)
        return { ok: false, transient: true, reason: `HTTP ${status}, no time left to retry` };
      await sleep(delay, unref);
    }
  }
}

function reportPartialSuccess(body: string): void {
  if (!body.includes('partialSuccess')) return;
  try {
    const partial = (
      JSON.parse(body) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } }
    ).partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    if (rejected > 0)
      logger.warn(
        'partial-success',
        `the endpoint rejected ${rejected} span(s): ${partial?.errorMessage ?? 'no reason given'}`,
      );
  } catch {
    // A 2xx with a body we cannot read is still a success.
  }
}
