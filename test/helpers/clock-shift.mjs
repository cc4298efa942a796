// Preloaded into a sandbox's runtime by tests (NODE_OPTIONS=--import): the process's clocks
// (Date.now, process.hrtime) run ahead by the milliseconds written in CLOCK_SHIFT_FILE, read
// at most every 20 ms of real time. Written during a freeze, the thawed process finds its
// clocks minutes ahead, as after a long freeze, without the wait. Timers keep the real
// monotonic clock, as they would see the real freeze.
import { readFileSync } from 'node:fs';

const file = process.env.CLOCK_SHIFT_FILE;
const realNow = Date.now;
const realBigint = process.hrtime.bigint;
let offsetMs = 0;
let checkedAt = -Infinity;

function offset() {
  const now = Number(realBigint() / 1_000_000n);
  if (file && now - checkedAt > 20) {
    checkedAt = now;
    try {
      offsetMs = Number(readFileSync(file, 'utf8')) || 0;
    } catch {
      offsetMs = 0;
    }
  }
  return offsetMs;
}

Date.now = () => realNow() + offset();
const bigint = () => realBigint() + BigInt(Math.round(offset() * 1e6));
function hrtime(previous) {
  const ns = bigint();
  const now = [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  if (!previous) return now;
  let s = now[0] - previous[0];
  let n = now[1] - previous[1];
  if (n < 0) {
    s--;
    n += 1e9;
  }
  return [s, n];
}
hrtime.bigint = bigint;
process.hrtime = hrtime;
