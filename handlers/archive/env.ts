// The archive function's variables. A bad value refuses start; rendered by `npm run render:env`.
import { required, variable } from '../../src/config/env';
import { text } from '../../src/config/parsers';

/** The bucket the span table (`spans/dt=YYYY-MM-DD/`) and the unreadable records (`errors/`) go to. */
export const bucket = required('HOPTRACE_ARCHIVE_BUCKET', text);

/**
 * Where the S3 API is (a local one in tests), addressed by path.
 * @default the region's
 */
export const s3Endpoint = variable(['HOPTRACE_S3_ENDPOINT'], text, undefined);
