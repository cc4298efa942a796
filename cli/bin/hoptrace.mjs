#!/usr/bin/env node
// The packed package carries the command built (dist/); in a checkout there is no build
// step, and the TypeScript runs through tsx (a development dependency of the repository).
import { existsSync } from 'node:fs';

const built = new URL('../dist/hoptrace.mjs', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
