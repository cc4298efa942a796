import { afterAll, beforeAll, beforeEach } from 'vitest';
import { OtlpReceiver } from '../../testing/otlp-receiver';

/**
 * One loopback OTLP receiver for the test file, emptied before each test. Each wrapper keeps
 * its own cold start, so a test that wraps its handler starts like a fresh Lambda sandbox.
 */
export function useReceiver(): () => OtlpReceiver {
  let receiver: OtlpReceiver | undefined;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver?.close());
  beforeEach(() => {
    receiver?.reset();
  });
  return () => {
    if (!receiver) throw new Error('the receiver starts in beforeAll');
    return receiver;
  };
}
