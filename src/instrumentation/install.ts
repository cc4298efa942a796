import { instrumentFetch } from './fetch';
import {
  allHttpModulesPatched,
  hasRequestCreatedChannel,
  patchLoadedHttpModules,
  subscribeHttpChannels,
} from './node-http';

/** node:http/https are traced by patching them (Node before 22.12), as the application loads them. */
let patchHttp = false;

/**
 * Traces outgoing HTTP: global fetch and node:http/https. `disabled` names instrumentations
 * to leave off, as `OTEL_NODE_DISABLED_INSTRUMENTATIONS` does (`http`, `undici`).
 */
export function installInstrumentations(disabled: readonly string[]): void {
  if (!disabled.includes('undici') && !disabled.includes('fetch')) instrumentFetch();
  if (!disabled.includes('http')) {
    subscribeHttpChannels();
    patchHttp = !hasRequestCreatedChannel();
    if (patchHttp) patchLoadedHttpModules();
  }
}

/** At each invocation start: patch http/https if the application loaded them since. */
export function refreshInstrumentations(): void {
  if (patchHttp && !allHttpModulesPatched()) patchLoadedHttpModules();
}
