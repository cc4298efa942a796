import { encodeExportRequestProtobuf } from '../src/otlp/protobuf-encode';
import type { OtlpExportRequest } from '../src/otlp/types';

/**
 * An OTLP JSON `ExportTraceServiceRequest` (as the test payload helpers make them) in
 * protobuf, so one payload can be sent in both encodings: the tail sampler's encoder.
 */
export function toProtobuf(request: Record<string, unknown>): Buffer {
  return encodeExportRequestProtobuf(request as unknown as OtlpExportRequest);
}
