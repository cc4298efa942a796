import { createContextKey } from '@opentelemetry/api';

/**
 * Attributes that every span started in the context carries, under its own: how a scope wider
 * than one span (a durable execution, for `hoptrace/durable`) names itself on spans that user
 * code and instrumentations start inside it. A span's own attributes win over them. The key is
 * a global symbol (`Symbol.for`), so `hoptrace/durable`, bundled apart, sets the same one.
 */
export const CONTEXT_ATTRIBUTES = createContextKey('hoptrace.context_attributes');
