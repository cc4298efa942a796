import { withTracing } from '../../src/index';
import { work } from './logic';

export const handler = withTracing(work);
