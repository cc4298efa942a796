import type { Attributes } from '@opentelemetry/api';

/** Sets a string attribute only when there is a value: the semantic conventions omit unknown ones. */
export function setIfPresent(attributes: Attributes, key: string, value: string | undefined): void {
  if (value) attributes[key] = value;
}
