import { instrumentFetch } from './fetch';
import { allHttpModulesPatched, patchLoadedHttpModules, subscribeHttpChannels } from './node-http';

let httpEnabled = false;

/**
 * Traces outgoing HTTP: global fetch and node:http/https. `disabled` names instrumentations
 * to leave off, as `OTEL_NODE_DISABLED_INSTRUMENTATIONS` does (`http`, `undici`).
 */
export function installInstrumentations(disabled: readonly string[]): void {
  if (!disabled.includes('undici') && !disabled.includes('fetch')) instrumentFetch();
  if (!disabled.includes('http')) {
    httpEnabled = true;
    subscribeHttpChannels();
    patchLoadedHttpModules();
  }
}

/** At each invocation start: patch http/https if the application loaded them since. */
export function refreshInstrumentations(): void {
  if (httpEnabled && !allHttpModulesPatched()) patchLoadedHttpModules();
}
