import { context, propagation, trace } from '@opentelemetry/api';

// The OpenTelemetry API keeps its registrations on globalThis; start every file clean.
trace.disable();
context.disable();
propagation.disable();
