// Ids must be unique, not secret: Math.random (as the OpenTelemetry JS SDK uses) avoids
// loading node:crypto, which alone costs ~2 ms of a cold start.
// The byte table is built at the first id, in the first invocation: at module load its 256
// calls were ~0.4 M instructions of every cold start (bench: init instructions).
let hex: string[] | undefined;

function randomHex(bytes: number): string {
  const HEX = (hex ??= Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')));
  let out = '';
  for (let i = 0; i < bytes; i += 4) {
    let word = (Math.random() * 0x100000000) >>> 0;
    for (let j = 0; j < 4 && i + j < bytes; j++) {
      out += HEX[word & 0xff];
      word >>>= 8;
    }
  }
  return out;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

export function newTraceId(): string {
  let id = randomHex(16);
  while (id === ZERO_TRACE_ID) id = randomHex(16);
  return id;
}

export function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN_ID) id = randomHex(8);
  return id;
}
