// The archive transformation's variables. A bad value refuses start; rendered by `npm run render:env`.
import { required } from '../../src/config/env';
import { text } from '../../src/config/parsers';

export { kinesisEndpoint } from '../env';

/** The stream the transformation puts records too large for one answer back into. */
export const streamName = required('HOPTRACE_STREAM_NAME', text);
