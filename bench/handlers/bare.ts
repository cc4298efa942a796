import { work } from './logic';

export const handler = work;
