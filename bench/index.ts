// `npm run bench`: cold start, warm overhead, flush cost, ingest throughput and stream
// efficiency, hoptrace next to the OpenTelemetry JS SDK, all measured in this run. Prints one
// table of medians and ratios and writes it to BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { adaptiveSampling } from './adaptive-sampling';
import { archiveThroughput } from './archive';
import { coldStart } from './cold-start';
import { endToEnd } from './end-to-end';
import { bundleNote, footprintRows, referenceNote, type TargetRow } from './footprint';
import { ingestThroughput, streamEfficiency } from './ingest';
import { hasValgrind, initInstructions, RUNTIME_CLIENT_BUILTINS, type InitInstructions } from './init-instructions';
import { redactionCost } from './redaction';
import { tailSamplerCompleteness, tailSamplerThroughput } from './tail-sampler';
import { TARGET_PER_INTERVAL } from '../testing/adaptive-scenario';
import { readSide } from './read-side';
import { lambdaExtension } from './lambda-extension';
import { logCorrelationCost } from './log-correlation';
import { costTables, lambdaCost, PRICES } from './lambda-cost';
import { bundleInputs, buildVariants } from './variants';
import { reportSize } from './report-size';
import { viewerReport } from './viewer';
import { warm } from './warm';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.argv.includes('--quick');
// Only the footprint modules (cold start, warm), printed, BENCHMARKS.md left alone.
const FOOTPRINT = process.argv.includes('--footprint');
const COLD_RUNS = QUICK ? 5 : 25;
const WARM_COUNT = QUICK ? 300 : 3000;
const WARM_REPEATS = QUICK ? 1 : 3;
const BUSY_RUNS = QUICK ? 3 : 9;
// Short-lived objects the handler makes itself in the memory figure's second case: ~4 MB, as
// a handler that parses a large event or calls the AWS SDK makes.
const BUSY_GARBAGE = 16_000;
const LAMBDA_SANDBOXES = QUICK ? 1 : 5;
const LAMBDA_INVOCATIONS = QUICK ? 50 : 200;

const say = (message: string): void => console.log(`  ${message}`);

async function startReceiver(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}bench/receiver.ts`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/v1/traces`, stop: () => child.kill('SIGTERM') };
}

const f = (n: number, digits = 1): string => n.toFixed(digits);

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`hoptrace benchmarks${QUICK ? ' (--quick)' : ''}\n`);
  const receiver = await startReceiver();
  try {
    const variants = await buildVariants(receiver.url);
    say(`bundled ${variants.length} variants; OTLP receiver in another process at ${receiver.url}`);

    const cold = coldStart(variants, COLD_RUNS);
    say(`cold start: ${COLD_RUNS} fresh processes per variant`);
    const counting = hasValgrind();
    const counted = variants.filter((v) => v.name === 'bare' || v.name === 'hoptrace' || v.name === 'otel-sdk');
    const instructions: InitInstructions = counting ? initInstructions(counted) : {};
    const underRuntimeClient: InitInstructions = counting ? initInstructions(counted, RUNTIME_CLIENT_BUILTINS) : {};
    say(
      counting
        ? "init instructions: bare, hoptrace and OTel SDK under callgrind, alone and after the runtime client's builtins"
        : 'init instructions: not counted (valgrind is not installed)',
    );
    if (FOOTPRINT) {
      const warm3 = warm(
        variants.filter((v) => v.name !== 'otel-auto'),
        3,
        WARM_COUNT,
        300,
        WARM_REPEATS,
      );
      console.log(`\n${referenceNote()}\n`);
      for (const r of footprintRows(cold, warm3, instructions, underRuntimeClient))
        console.log(
          `| ${[r.figure, r.hoptrace, r.reference, r.ratio.toFixed(3), r.target, r.target === '(context)' ? '' : r.met ? 'yes' : '**no**'].join(' | ')} |`,
        );
      for (const v of variants) {
        const c = cold[v.name];
        console.log(
          `${v.label}: ${f(c.bytes / 1024)} KB, init ${f(c.initMs, 2)} ms, over bare ${f(c.initAddedMs, 2)} ms, first invocation ${f(c.firstInvocationMs, 2)} ms${warm3[v.name] ? `, warm CPU ${f(warm3[v.name]!.cpuUs, 0)} µs` : ''}`,
        );
      }
      console.log(bundleNote(bundleInputs(variants.find((v) => v.name === 'hoptrace')!)));
      for (const spans of [1, 10, 100]) {
        const r = warm(
          variants.filter((v) => v.name === 'hoptrace' || v.name === 'otel-sdk'),
          spans,
          QUICK ? 100 : 500,
          50,
          1,
        );
        console.log(
          `flush, ${spans} spans: hoptrace ${f(r.hoptrace!.afterHandlerMs, 3)} ms, OTel SDK ${f(r['otel-sdk']!.afterHandlerMs, 3)} ms, ratio ${(r.hoptrace!.afterHandlerMs / r['otel-sdk']!.afterHandlerMs).toFixed(2)}`,
        );
      }
      return;
    }
    const busy = coldStart(
      variants.filter((v) => v.name !== 'otel-auto'),
      BUSY_RUNS,
      BUSY_GARBAGE,
    );
    say(`cold start of a handler that allocates ~4 MB itself: ${BUSY_RUNS} fresh processes per variant`);
    const measured = variants.filter((v) => v.name !== 'otel-auto');
    const warm3 = warm(measured, 3, WARM_COUNT, 300, WARM_REPEATS);
    say(`warm: ${WARM_COUNT} invocations (root + 3 children + flush) × ${WARM_REPEATS} processes per variant`);
    const flush: Record<number, Record<string, number>> = {};
    for (const spans of [1, 10, 100]) {
      const r = warm(
        measured.filter((v) => v.name === 'hoptrace' || v.name === 'otel-sdk'),
        spans,
        QUICK ? 100 : 500,
        50,
        1,
      );
      flush[spans] = { hoptrace: r.hoptrace!.afterHandlerMs, otel: r['otel-sdk']!.afterHandlerMs };
    }
    say('flush: 1, 10 and 100 spans');
    const ingest = await ingestThroughput(QUICK ? 1 : 5);
    say('ingest: requests of 1,000 spans through the handler, JSON and protobuf, Kinesis faked');
    const stream = streamEfficiency();
    say('stream: 10,000 spans in 1,000 traces');
    const archive = await archiveThroughput(QUICK ? 1 : 5);
    say('archive: the archive function on 10,000 spans of stream records, into Parquet');
    const redaction = redactionCost(QUICK ? 5 : 25);
    say('redaction: 100 spans encoded for export, default redaction against none');
    const e2e = await endToEnd(QUICK ? 5 : 30);
    say(`end to end: ${e2e.spansSent} spans through serverless-offline into kinesalite`);
    const sampler = await tailSamplerThroughput(receiver.url, QUICK ? 1 : 12, QUICK ? 1 : 2);
    say(`tail sampler: ${sampler.spans} spans in batches of 500 records, decisions in dynalite`);
    const whole = await tailSamplerCompleteness(QUICK ? 200 : 1000);
    say(`tail sampler: ${whole.kept} kept traces arriving in three parts, out of order, through kinesalite`);
    const adaptive = await adaptiveSampling();
    say(
      `adaptive sampling: ${adaptive.outcomes.length} intervals of steady traffic, an incident and a 10× spike, through kinesalite and dynalite`,
    );
    const read = await readSide(QUICK);
    say(
      `read side: record files through hoptrace's analysis; ${read.millionSpans.toLocaleString('en')} spans in a fresh process for memory`,
    );
    const viewer = await viewerReport(QUICK ? 1 : 5);
    say(`HTML report: 5,000 traces, ${viewer.spans} spans, in headless Chromium`);
    const reportBytes = await reportSize(QUICK ? 1 : 3);
    say(
      `HTML report size: ${reportBytes.traces} traces read from stream records, ${reportBytes.inFull} of them held in full`,
    );
    const lambda = await lambdaExtension(LAMBDA_SANDBOXES, LAMBDA_INVOCATIONS);
    say(
      `hoptrace/lambda: ${LAMBDA_SANDBOXES} sandboxes of the runtime interface client × ${LAMBDA_INVOCATIONS} invocations per variant, exporting to the local ingest`,
    );
    const cost = await lambdaCost(QUICK, archive);
    say(
      'cost: bare, OTel SDK and hoptrace/lambda at 20/s under the runtime client with a 40 ms endpoint, then hoptrace at 1/min, 5/s and 50/s',
    );

    const logs = await logCorrelationCost(QUICK ? 3 : 9, true);
    say(
      'trace ids in logs: 2,000 console.log lines per invocation under the runtime interface client, traced against untraced',
    );

    const { bare, 'bare-post': barePost, hoptrace, 'otel-sdk': sdk, 'otel-auto': auto } = cold;
    const initAdded = (v: typeof bare): number => v.initAddedMs;
    const cpuAdded = (name: string): number => warm3[name]!.cpuUs - warm3.bare!.cpuUs;
    const responseAdded = (name: 'extension' | 'before-return'): number =>
      lambda[name].responseP50Ms - lambda.bare.responseP50Ms;
    const { bare: costBare, 'otel-sdk': costSdk, hoptrace: costTraced } = cost.steady;
    const billedAdded = {
      hoptrace: costTraced.billedMs - costBare.billedMs,
      sdk: costSdk.billedMs - costBare.billedMs,
    };
    const cpuAddedLambda = {
      hoptrace: costTraced.cpuMsPerInvocation - costBare.cpuMsPerInvocation,
      sdk: costSdk.cpuMsPerInvocation - costBare.cpuMsPerInvocation,
    };
    const at50 = cost.shapes.find((c) => c.shape === '50/s')!;
    const lostSpans = costTraced.spansLost + cost.shapeRuns.reduce((n, r) => n + r.traced.spansLost, 0);
    const rows: TargetRow[] = [
      {
        figure: 'billed time added over bare per invocation, 20/s, 40 ms ingest (ms): hoptrace/lambda vs OTel SDK',
        hoptrace: f(billedAdded.hoptrace, 2),
        reference: f(billedAdded.sdk, 2),
        ratio: billedAdded.hoptrace / billedAdded.sdk,
        target: '≤ 1/20',
        met: billedAdded.hoptrace / billedAdded.sdk <= 1 / 20,
      },
      {
        figure: 'ingest requests per invocation, 20/s: hoptrace/lambda vs OTel SDK',
        hoptrace: f(costTraced.requestsPerInvocation, 3),
        reference: f(costSdk.requestsPerInvocation, 3),
        ratio: costTraced.requestsPerInvocation / costSdk.requestsPerInvocation,
        target: '≤ 0.1',
        met: costTraced.requestsPerInvocation <= 0.1,
      },
      {
        figure: 'spans lost, 20/s and the three shapes, shutdown included: hoptrace/lambda vs OTel SDK',
        hoptrace: String(lostSpans),
        reference: String(costSdk.spansLost),
        ratio: lostSpans,
        target: '0',
        met: lostSpans === 0,
      },
      {
        figure: 'CPU per invocation added over bare under the runtime client, 20/s (ms): hoptrace/lambda vs OTel SDK',
        hoptrace: f(cpuAddedLambda.hoptrace, 2),
        reference: f(cpuAddedLambda.sdk, 2),
        ratio: cpuAddedLambda.hoptrace / cpuAddedLambda.sdk,
        target: '≤ 1/5',
        met: cpuAddedLambda.hoptrace / cpuAddedLambda.sdk <= 1 / 5,
      },
      {
        figure: 'dollars per million traced invocations at 50/s per sandbox vs X-Ray',
        hoptrace: `$${f(at50.total, 3)}`,
        reference: `$${f(PRICES.xrayPerMillionTraces, 2)}`,
        ratio: at50.total / PRICES.xrayPerMillionTraces,
        target: '≤ $0.25',
        met: at50.total <= 0.25,
      },
      ...footprintRows(cold, warm3, instructions, underRuntimeClient),
      {
        figure: 'resident memory over bare (MB)',
        hoptrace: f(hoptrace.rssMb - bare.rssMb),
        reference: f(sdk.rssMb - bare.rssMb),
        ratio: (hoptrace.rssMb - bare.rssMb) / 3,
        target: '≤ 3 MB',
        met: hoptrace.rssMb - bare.rssMb <= 3,
      },
      {
        figure: 'resident memory over bare, handler allocating ~4 MB itself (MB)',
        hoptrace: f(busy.hoptrace.rssMb - busy.bare.rssMb),
        reference: f(busy['otel-sdk'].rssMb - busy.bare.rssMb),
        ratio: (busy.hoptrace.rssMb - busy.bare.rssMb) / 3,
        target: '(context)',
        met: true,
      },
      {
        figure: 'resident memory over bare + one POST (MB)',
        hoptrace: f(hoptrace.rssMb - barePost.rssMb),
        reference: f(sdk.rssMb - barePost.rssMb),
        ratio: (hoptrace.rssMb - barePost.rssMb) / (sdk.rssMb - barePost.rssMb),
        target: '(context)',
        met: true,
      },
      {
        figure: 'archive function (rows into Parquet) spans/s per core vs gunzip+parse+Parquet encoding',
        hoptrace: f(archive.spansPerSecond, 0),
        reference: f(archive.boundSpansPerSecond, 0),
        ratio: archive.spansPerSecond / archive.boundSpansPerSecond,
        target: '≥ 50%',
        met: archive.spansPerSecond / archive.boundSpansPerSecond >= 0.5,
      },
      {
        figure: 'Parquet bytes per span vs stream bytes per span',
        hoptrace: f(archive.parquetBytesPerSpan),
        reference: f(archive.streamBytesPerSpan),
        ratio: archive.parquetBytesPerSpan / archive.streamBytesPerSpan,
        target: '(context)',
        met: true,
      },
      ...(['text', 'json'] as const).map((format) => {
        const { tracedNs, untracedNs } = logs[format];
        return {
          figure: `console.log line with trace ids vs without, ${format} format, CPU (µs)`,
          hoptrace: f(tracedNs / 1000, 2),
          reference: f(untracedNs / 1000, 2),
          ratio: tracedNs / untracedNs,
          target: '(context)',
          met: true,
        };
      }),
      {
        figure: 'export encoding per span, default redaction vs none (µs)',
        hoptrace: f(redaction.onUs, 2),
        reference: f(redaction.offUs, 2),
        ratio: redaction.onUs / redaction.offUs,
        target: '≤ 1.3',
        met: redaction.onUs / redaction.offUs <= 1.3,
      },
      ...(['json', 'protobuf'] as const).map((format) => {
        const { spansPerSecond, boundSpansPerSecond } = ingest[format];
        return {
          figure: `ingest spans/s per core, OTLP ${format}, vs decode+stringify+gzip`,
          hoptrace: f(spansPerSecond, 0),
          reference: f(boundSpansPerSecond, 0),
          ratio: spansPerSecond / boundSpansPerSecond,
          target: '≥ 50%',
          met: spansPerSecond / boundSpansPerSecond >= 0.5,
        };
      }),
      {
        figure: 'tail sampler spans/s per core vs gunzip+parse+stringify+gzip',
        hoptrace: f(sampler.spansPerSecond, 0),
        reference: f(sampler.boundSpansPerSecond, 0),
        ratio: sampler.spansPerSecond / sampler.boundSpansPerSecond,
        target: '≥ 25%',
        met: sampler.spansPerSecond / sampler.boundSpansPerSecond >= 0.25,
      },
      {
        figure: 'kept traces arriving complete vs deciding each record alone',
        hoptrace: `${whole.complete} / ${whole.kept}`,
        reference: `${whole.statelessComplete} / ${whole.kept}`,
        ratio: whole.complete / whole.kept,
        target: '100%, no duplicates',
        met: whole.complete === whole.kept && whole.duplicates === 0,
      },
      {
        figure: 'adaptive sampling: kept routine traces per interval at steady state vs the target',
        hoptrace: f(adaptive.steadyRatio * TARGET_PER_INTERVAL),
        reference: String(TARGET_PER_INTERVAL),
        ratio: adaptive.steadyRatio,
        target: '±30%',
        met: Math.abs(adaptive.steadyRatio - 1) <= 0.3,
      },
      {
        figure: 'adaptive sampling: error traces kept, through an incident and a 10× spike',
        hoptrace: String(adaptive.errorsKept),
        reference: String(adaptive.errorsSent),
        ratio: adaptive.errorsKept / adaptive.errorsSent,
        target: '100%',
        met: adaptive.errorsKept === adaptive.errorsSent,
      },
      {
        figure: 'adaptive sampling: intervals from an incident to its boost',
        hoptrace: String(adaptive.intervalsToBoost),
        reference: '1',
        ratio: adaptive.intervalsToBoost,
        target: '≤ 1',
        met: adaptive.intervalsToBoost === 1,
      },
      {
        figure: 'adaptive sampling: kept routine traces per interval after the boost vs the target',
        hoptrace: f(adaptive.afterCooldownRatio * TARGET_PER_INTERVAL),
        reference: String(TARGET_PER_INTERVAL),
        ratio: adaptive.afterCooldownRatio,
        target: '±30%',
        met: Math.abs(adaptive.afterCooldownRatio - 1) <= 0.3,
      },
      {
        figure: 'read side spans/s per core vs gunzip + JSON.parse',
        hoptrace: f(read.spansPerSecond, 0),
        reference: f(read.boundSpansPerSecond, 0),
        ratio: read.spansPerSecond / read.boundSpansPerSecond,
        target: '≥ 50%',
        met: read.spansPerSecond / read.boundSpansPerSecond >= 0.5,
      },
      // The report's speeds as issue 20 fixed them: absolute bounds a person feels, each beside
      // the in-page JSON.parse (or the still page) measured in the same run.
      {
        figure: 'HTML report, 5,000 traces: page open to trace list shown vs JSON.parse of its data in the page (ms)',
        hoptrace: f(viewer.listMs),
        reference: f(viewer.parseMs),
        ratio: viewer.listMs / viewer.parseMs,
        target: '≤ 1,500 ms',
        met: viewer.listMs <= 1500,
      },
      {
        figure: 'HTML report: the 10,000-span trace, click to waterfall shown vs JSON.parse of the data (ms)',
        hoptrace: f(viewer.bigTraceMs),
        reference: f(viewer.parseMs),
        ratio: viewer.bigTraceMs / viewer.parseMs,
        target: '≤ 100 ms',
        met: viewer.bigTraceMs <= 100,
      },
      {
        figure: 'HTML report: scrolling the 10,000-span waterfall a screenful a frame vs the still page’s frame (ms)',
        hoptrace: f(viewer.scrollFrameMs),
        reference: f(viewer.stillFrameMs),
        ratio: viewer.scrollFrameMs / viewer.stillFrameMs,
        target: '≤ 1.1 (60 fps)',
        met: viewer.scrollFrameMs / viewer.stillFrameMs <= 1.1,
      },
      {
        figure: `read side peak RSS for ${read.millionSpans.toLocaleString('en')} spans vs the OTLP JSON read (MB)`,
        hoptrace: f(read.peakRssMb),
        reference: f(read.jsonMb),
        ratio: read.peakRssMb / read.jsonMb,
        target: '(context)',
        met: true,
      },
      {
        figure: `\`stats --archive\` vs \`stats --dir\`, ${read.archive.spans.toLocaleString('en')} spans, wall time (ms)`,
        hoptrace: f(read.archive.archiveWallMs, 0),
        reference: f(read.archive.filesWallMs, 0),
        ratio: read.archive.archiveWallMs / read.archive.filesWallMs,
        target: '(context)',
        met: true,
      },
      {
        figure: `\`stats --archive\` vs \`stats --dir\`, ${read.archive.spans.toLocaleString('en')} spans, peak RSS (MB)`,
        hoptrace: f(read.archive.archivePeakRssMb),
        reference: f(read.archive.filesPeakRssMb),
        ratio: read.archive.archivePeakRssMb / read.archive.filesPeakRssMb,
        target: '(context)',
        met: true,
      },
      {
        figure: 'response latency added over bare, p50 (ms): hoptrace/lambda vs export before return',
        hoptrace: f(responseAdded('extension'), 2),
        reference: f(responseAdded('before-return'), 2),
        ratio: responseAdded('extension') / responseAdded('before-return'),
        target: '≤ 1 ms',
        met: responseAdded('extension') <= 1,
      },
      {
        figure: 'response latency added over bare, p99 (ms): hoptrace/lambda vs export before return',
        hoptrace: f(lambda.extension.responseP99Ms - lambda.bare.responseP99Ms, 2),
        reference: f(lambda['before-return'].responseP99Ms - lambda.bare.responseP99Ms, 2),
        ratio:
          (lambda.extension.responseP99Ms - lambda.bare.responseP99Ms) /
          (lambda['before-return'].responseP99Ms - lambda.bare.responseP99Ms),
        target: '(context)',
        met: true,
      },
      {
        figure: 'response to freeze, p50 (ms): hoptrace/lambda vs export before return',
        hoptrace: f(lambda.extension.freezeP50Ms, 2),
        reference: f(lambda['before-return'].freezeP50Ms, 2),
        ratio: lambda.extension.freezeP50Ms / lambda['before-return'].freezeP50Ms,
        target: '(context)',
        met: true,
      },
      {
        figure: 'init added by hoptrace/lambda over the wrapped handler (ms)',
        hoptrace: f(lambda.extension.initMs - lambda['before-return'].initMs, 2),
        reference: f(lambda['before-return'].initMs - lambda.bare.initMs, 2),
        ratio:
          (lambda.extension.initMs - lambda['before-return'].initMs) /
          (lambda['before-return'].initMs - lambda.bare.initMs),
        target: '(context)',
        met: true,
      },
      {
        figure: 'memory added by hoptrace/lambda over the wrapped handler (MB)',
        hoptrace: f(lambda.extension.rssMb - lambda['before-return'].rssMb),
        reference: f(lambda['before-return'].rssMb - lambda.bare.rssMb),
        ratio:
          (lambda.extension.rssMb - lambda['before-return'].rssMb) /
          (lambda['before-return'].rssMb - lambda.bare.rssMb),
        target: '(context)',
        met: true,
      },
      {
        figure: 'stream bytes per span vs raw OTLP JSON',
        hoptrace: f(stream.streamBytesPerSpan),
        reference: f(stream.rawBytesPerSpan),
        ratio: stream.streamBytesPerSpan / stream.rawBytesPerSpan,
        target: '≤ 25%',
        met: stream.streamBytesPerSpan / stream.rawBytesPerSpan <= 0.25,
      },
    ];

    const lines: string[] = [];
    const table = (header: string[], body: string[][]): void => {
      lines.push(
        `| ${header.join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...body.map((r) => `| ${r.join(' | ')} |`),
        '',
      );
    };
    lines.push('## Targets', '');
    table(
      ['figure', 'hoptrace', 'OTel SDK / bound', 'ratio', 'target', 'met'],
      rows.map((r) => [
        r.figure,
        r.hoptrace,
        r.reference,
        r.ratio.toFixed(3),
        r.target,
        r.target === '(context)' ? '' : r.met ? 'yes' : '**no**',
      ]),
    );
    lines.push(
      '## Cold start',
      '',
      `The same handler (3 child spans), esbuild-minified, ${COLD_RUNS} fresh processes each, medians. Init is from process start to the handler module loaded; "init over bare" compares the loading of the handler, timed alone, plus the start-up that a --require adds.`,
      '',
    );
    table(
      [
        'variant',
        'bundle min (KB)',
        'bundle gzip (KB)',
        'init (ms)',
        'init over bare (ms)',
        'first invocation (ms)',
        'RSS (MB)',
      ],
      variants.map((v) => {
        const c = cold[v.name];
        return [
          v.label,
          f(c.bytes / 1024),
          f(c.gzipBytes / 1024),
          f(c.initMs, 2),
          f(c.initAddedMs, 2),
          f(c.firstInvocationMs, 2),
          f(c.rssMb),
        ];
      }),
    );
    lines.push(
      '## Warm invocations',
      '',
      `Root span + 3 children + flush to an OTLP receiver in another process; ${WARM_COUNT} invocations after 300 of warm-up, in ${WARM_REPEATS} processes; medians.`,
      '',
    );
    table(
      ['variant', 'wall (ms)', 'wall p99 (ms)', 'CPU per invocation (µs)'],
      measured.map((v) => [
        v.label,
        f(warm3[v.name]!.wallMs, 3),
        f(warm3[v.name]!.wallP99Ms, 3),
        f(warm3[v.name]!.cpuUs, 0),
      ]),
    );
    lines.push(
      '## Flush cost',
      '',
      "Time from the end of the handler's own work to the wrapped invocation returning (root span ended, spans exported); median.",
      '',
    );
    table(
      ['spans', 'hoptrace (ms)', 'OTel SDK (ms)', 'ratio'],
      [1, 10, 100].map((n) => [
        String(n),
        f(flush[n]!.hoptrace!, 3),
        f(flush[n]!.otel!, 3),
        (flush[n]!.hoptrace! / flush[n]!.otel!).toFixed(2),
      ]),
    );
    lines.push(
      '## Export after the response (hoptrace/lambda)',
      '',
      `The same handler (a root and 3 child spans) in sandboxes of the real runtime interface client (aws-lambda-ric ${process.versions.node.startsWith('20.') ? '3.x' : '4.x'}) against the Runtime and Extensions APIs of testing/, the freeze modelled with SIGSTOP; the traced variants export to the local ingest (serverless-offline into kinesalite). ${LAMBDA_SANDBOXES} sandboxes × ${LAMBDA_INVOCATIONS} invocations per variant after 20 of warm-up, medians across sandboxes. Response: from the invocation's dispatch to its response at the Runtime API. Freeze: from the response to the moment the runtime and every extension wait in next. Init: from the process's start to the runtime's first next.`,
      '',
    );
    table(
      ['variant', 'response p50 (ms)', 'response p99 (ms)', 'response to freeze p50 (ms)', 'init (ms)', 'RSS (MB)'],
      (['bare', 'before-return', 'extension'] as const).map((v) => [
        v === 'extension' ? 'hoptrace/lambda' : v === 'before-return' ? 'hoptrace, export before return' : 'bare',
        f(lambda[v].responseP50Ms, 2),
        f(lambda[v].responseP99Ms, 2),
        f(lambda[v].freezeP50Ms, 2),
        f(lambda[v].initMs, 1),
        f(lambda[v].rssMb),
      ]),
    );
    lines.push(...costTables(cost));
    lines.push('## Ingest and stream', '');
    table(
      ['figure', 'value'],
      [
        [
          'ingest handler, OTLP JSON, spans/s per core (decode, validate, redact, group, encode)',
          f(ingest.json.spansPerSecond, 0),
        ],
        ['JSON.parse + JSON.stringify + gzip, spans/s per core (its bound)', f(ingest.json.boundSpansPerSecond, 0)],
        ['ingest handler, OTLP protobuf, spans/s per core', f(ingest.protobuf.spansPerSecond, 0)],
        [
          'protobuf read + JSON.stringify + gzip, spans/s per core (its bound)',
          f(ingest.protobuf.boundSpansPerSecond, 0),
        ],
        ['raw OTLP JSON, bytes per span', f(stream.rawBytesPerSpan)],
        ['raw OTLP protobuf, bytes per span', f(stream.protobufBytesPerSpan)],
        ['stream, bytes per span', f(stream.streamBytesPerSpan)],
        ['records per 10,000 spans', String(stream.records)],
        ['archive function, spans/s per core (gunzip, rows, Parquet)', f(archive.spansPerSecond, 0)],
        ['span table (Parquet, Snappy, hyparquet-writer), bytes per span', f(archive.parquetBytesPerSpan)],
        ['PutRecords calls per 10,000 spans', String(stream.putRecordsCalls)],
        [
          'a 5 MiB body of one-span traces: records / PutRecords calls',
          `${stream.oneSpanTraces.records} / ${stream.oneSpanTraces.putRecordsCalls}`,
        ],
        [
          'end to end through serverless-offline into kinesalite, spans/s (4 requests in flight)',
          f(e2e.spansPerSecond, 0),
        ],
        ['end to end, spans in / spans landed', `${e2e.spansSent} / ${e2e.spansLanded}`],
      ],
    );
    lines.push(
      '## Tail sampler',
      '',
      'Traces of three parts (an API, a queue consumer, a notifier; two spans each), outcomes cycling error, slow, cold, routine, the interesting part first, second or last; a tenth of the routine ones sampled by trace id.',
      '',
    );
    table(
      ['figure', 'value'],
      [
        [
          'consumer spans/s per core (decode, decide, DynamoDB requests, forward, RED metrics; store and backend in other processes)',
          f(sampler.spansPerSecond, 0),
        ],
        [
          'gunzip + JSON.parse + JSON.stringify + gzip, spans/s per core (the bound)',
          f(sampler.boundSpansPerSecond, 0),
        ],
        [
          'kept traces arriving complete at the backend (three waves, shuffled, through kinesalite)',
          `${whole.complete} / ${whole.kept}`,
        ],
        ['the same, each record decided on its own spans (no store)', `${whole.statelessComplete} / ${whole.kept}`],
        ['spans forwarded twice', String(whole.duplicates)],
      ],
    );
    lines.push(
      `Adaptive sampling, per interval (10 s on a fake clock, a target of ${TARGET_PER_INTERVAL} kept routine traces an interval, one operation, two shards each with its own consumer): the plan's probability, and what reached the backend.`,
      '',
    );
    table(
      [
        'interval',
        'phase',
        'traces',
        'probability',
        'boosted',
        'routine kept',
        'errors kept / sent',
        'slow kept / sent',
      ],
      adaptive.outcomes.map((o) => [
        String(o.interval),
        o.phase,
        String(o.traces),
        o.probability[0] === undefined ? 'new' : o.probability[0].toPrecision(2),
        o.boostActive[0] === 1 ? 'yes' : '',
        String(o.kept.routine),
        `${o.kept.error} / ${o.sent.error}`,
        `${o.kept.slow} / ${o.sent.slow}`,
      ]),
    );
    lines.push(
      '## Read side',
      '',
      "The hoptrace command's analysis (`stats`: read, decode, de-duplicate, group, stats and map) on files of stream records as the ingest writes them (10 spans a trace), against gunzip + JSON.parse of the same files; then a million spans (20 a trace) in a fresh process.",
      '',
    );
    table(
      ['figure', 'value'],
      [
        ['read and analysed, spans/s per core', f(read.spansPerSecond, 0)],
        ['gunzip + JSON.parse of the same files, spans/s per core (the bound)', f(read.boundSpansPerSecond, 0)],
        [`peak RSS reading ${read.millionSpans.toLocaleString('en')} spans (MB)`, f(read.peakRssMb)],
        ['RSS before reading (MB)', f(read.baselineRssMb)],
        ['OTLP JSON those spans make, uncompressed (MB)', f(read.jsonMb)],
        [
          `\`hoptrace stats --dir\` on those ${read.archive.spans.toLocaleString('en')} spans (record files), wall time (ms) / peak RSS (MB)`,
          `${f(read.archive.filesWallMs, 0)} / ${f(read.archive.filesPeakRssMb)}`,
        ],
        [
          `\`hoptrace stats --archive\` on the same spans as the Parquet span table (DuckDB, every core), wall time (ms) / peak RSS (MB)`,
          `${f(read.archive.archiveWallMs, 0)} / ${f(read.archive.archivePeakRssMb)}`,
        ],
        ['that span table on disk (MB)', f(read.archive.parquetMb)],
      ],
    );
    lines.push(
      '## HTML report',
      '',
      `\`hoptrace view\`'s page for 5,000 traces (${viewer.spans} spans, one trace of 10,000), opened from a file in Debian's headless Chromium; medians.`,
      '',
    );
    table(
      ['figure', 'value', 'reference', 'ratio'],
      [
        [
          'report size vs its data as JSON (MB)',
          f(viewer.reportBytes / 2 ** 20, 2),
          f(viewer.jsonBytes / 2 ** 20, 2),
          (viewer.reportBytes / viewer.jsonBytes).toFixed(3),
        ],
        [
          'renderReport vs JSON.stringify of the data (ms)',
          f(viewer.renderMs),
          f(viewer.stringifyMs),
          (viewer.renderMs / viewer.stringifyMs).toFixed(2),
        ],
        [
          'page open to trace list shown vs JSON.parse of the data in the page (ms)',
          f(viewer.listMs),
          f(viewer.parseMs),
          (viewer.listMs / viewer.parseMs).toFixed(2),
        ],
        [
          '10,000-span trace: click to waterfall shown vs JSON.parse of the data (ms)',
          f(viewer.bigTraceMs),
          f(viewer.parseMs),
          (viewer.bigTraceMs / viewer.parseMs).toFixed(2),
        ],
        [
          '10,000-span waterfall scrolling a screenful a frame: frame vs the still page’s frame (ms; 16.7 is 60 fps)',
          f(viewer.scrollFrameMs),
          f(viewer.stillFrameMs),
          (viewer.scrollFrameMs / viewer.stillFrameMs).toFixed(2),
        ],
        [
          `\`hoptrace view\` of ${reportBytes.traces.toLocaleString('en')} traces (${reportBytes.spans.toLocaleString('en')} spans, one in ten failed) from stream records, ${reportBytes.inFull.toLocaleString('en')} held in full, vs every trace in full (MB)`,
          f(reportBytes.reportBytes / 2 ** 20, 2),
          f(reportBytes.fullBytes / 2 ** 20, 2),
          (reportBytes.reportBytes / reportBytes.fullBytes).toFixed(3),
        ],
        [
          'that report: page open to trace list shown, as written vs every trace in full (ms)',
          f(reportBytes.reportFirstRowMs),
          f(reportBytes.fullFirstRowMs),
          (reportBytes.reportFirstRowMs / reportBytes.fullFirstRowMs).toFixed(2),
        ],
      ],
    );

    const cpu = cpus();
    const header = [
      '# hoptrace benchmarks',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${f(totalmem() / 2 ** 30, 0)} GiB. Every figure compares against a reference measured in the same run; the machine is shared, so ratios are what to read.`,
      '',
      referenceNote(),
      '',
    ];
    const notes = [
      '## Notes',
      '',
      `- **Warm CPU.** Both variants send one OTLP/HTTP request per invocation: flushing before Lambda freezes the sandbox needs it. That request alone (\`bare + one POST\`, the same handler posting a body of the same size over a kept-alive connection) costs ${f(warm3['bare-post']!.cpuUs, 0)} µs of CPU per invocation, against ${f(warm3.hoptrace!.cpuUs, 0)} µs for hoptrace: a CPU profile of the warm loop (\`node --cpu-prof bench/probes/warm.cjs\`) puts the bulk of the busy time in Node's HTTP client (\`writev\`, \`ClientRequest\`, the agent, header checks, the response parser). No per-invocation exporter can be ten times cheaper than another: the ratio is set by the shared request. Over that floor hoptrace adds ${f(cpuAdded('hoptrace') - cpuAdded('bare-post'), 0)} µs and the OTel SDK ${f(cpuAdded('otel-sdk') - cpuAdded('bare-post'), 0)} µs.`,
      bundleNote(bundleInputs(variants.find((v) => v.name === 'hoptrace')!)),
      '- **First invocation.** Most of it is the first export: loading `node:http` (done lazily, so that init stays small), opening the connection, and the first request through a cold HTTP stack; without an endpoint the first invocation takes ~0.4 ms.',
      `- **Memory.** Most of what hoptrace adds is Node's HTTP client: the bare handler plus one POST already sits ${f(barePost.rssMb - bare.rssMb)} MB over bare, and hoptrace adds ${f(hoptrace.rssMb - barePost.rssMb)} MB over that floor, against ${f(sdk.rssMb - barePost.rssMb)} MB for the OTel SDK. The figure also sits on a garbage-collection step: the bare handler's process reads its RSS before any young-generation scavenge has run, while hoptrace's first invocation (its code, \`node:http\` and the first export) allocates just past the point that starts one (\`node --trace-gc\`), after which V8 grows the heap. A handler that allocates ~4 MB itself runs such scavenges whether it is traced or not: then hoptrace sits ${f(busy.hoptrace.rssMb - busy.bare.rssMb)} MB over bare (${f(busy.hoptrace.rssMb - busy['bare-post'].rssMb)} MB over bare + one POST) and the OTel SDK ${f(busy['otel-sdk'].rssMb - busy.bare.rssMb)} MB (${BUSY_RUNS} cold starts each). An earlier note put 0.5 MB on the spool and client-side redaction; measured again side by side, a bundle of the commit before them takes the same step and the same RSS, so that difference was this step, taken in some runs and not in others.`,
      '',
    ];
    const report = [...header, ...lines, ...notes].join('\n');
    writeFileSync(`${ROOT}BENCHMARKS.md`, `${report}\n`);
    console.log(`\n${lines.join('\n')}`);
    console.log(
      `written to BENCHMARKS.md in ${f((Date.now() - started) / 1000)} s; auto-instrumentation init over bare: ${f(initAdded(auto))} ms`,
    );
  } finally {
    receiver.stop();
  }
}

await main();
