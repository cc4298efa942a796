import { afterAll, beforeAll, beforeEach } from 'vitest';
import { resetColdStartForTests } from '../../src/wrapper/cold-start';
import { OtlpReceiver } from './otlp-receiver';

/**
 * One loopback OTLP receiver for the test file, emptied before each test, with the sandbox
 * made cold again so every test starts like a fresh Lambda sandbox.
 */
export function useReceiver(): () => OtlpReceiver {
  let receiver: OtlpReceiver | undefined;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver?.close());
  beforeEach(() => {
    receiver?.reset();
    resetColdStartForTests();
  });
  return () => {
    if (!receiver) throw new Error('the receiver starts in beforeAll');
    return receiver;
  };
}
