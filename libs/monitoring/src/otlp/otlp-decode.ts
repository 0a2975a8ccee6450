import { ValidationError } from '@vigil/common';
// The code protobufjs generated from the official OTLP protos, as the OpenTelemetry JS SDK ships it (untyped there).
import generated = require('@opentelemetry/otlp-transformer/build/src/generated/root');

interface MessageType {
  decode(body: Uint8Array): object;
  toObject(message: object, options: object): Record<string, any>;
  encode(message: object): { finish(): Uint8Array };
}
const proto = (generated as any).opentelemetry.proto.collector.trace.v1 as Record<'ExportTraceServiceRequest' | 'ExportTraceServiceResponse', MessageType>;

/** An ExportTraceServiceRequest in the OTLP/JSON shape, ids in `idEncoding`. */
export interface OtlpTraces {
  resourceSpans: unknown[];
  idEncoding: 'hex' | 'base64';
}

export const PROTOBUF = 'application/x-protobuf';

/** A protobuf body, decoded with the official protos into the same shape as OTLP/JSON. */
export function decodeProtobuf(body: Buffer): OtlpTraces {
  let message;
  try {
    message = proto.ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new ValidationError([{ path: 'body', message: `is not an OTLP ExportTraceServiceRequest: ${(error as Error).message}` }]);
  }
  const object = proto.ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, enums: Number, arrays: true });
  return { resourceSpans: object.resourceSpans ?? [], idEncoding: 'base64' };
}

/** An OTLP/JSON body (already parsed): the envelope must be the right shape; spans are checked one by one later. */
export function fromJson(body: unknown): OtlpTraces {
  if (!isObject(body)) throw invalid('body', 'must be an OTLP/JSON ExportTraceServiceRequest object');
  const resourceSpans = body.resourceSpans ?? [];
  if (!Array.isArray(resourceSpans)) throw invalid('resourceSpans', 'must be an array');
  resourceSpans.forEach((rs, i) => {
    if (!isObject(rs)) throw invalid(`resourceSpans[${i}]`, 'must be an object');
    const scopeSpans = rs.scopeSpans ?? [];
    if (!Array.isArray(scopeSpans)) throw invalid(`resourceSpans[${i}].scopeSpans`, 'must be an array');
    scopeSpans.forEach((ss, j) => {
      if (!isObject(ss)) throw invalid(`resourceSpans[${i}].scopeSpans[${j}]`, 'must be an object');
      if (ss.spans !== undefined && !Array.isArray(ss.spans)) throw invalid(`resourceSpans[${i}].scopeSpans[${j}].spans`, 'must be an array');
    });
  });
  return { resourceSpans, idEncoding: 'hex' };
}

/** The response body: OTLP's ExportTraceServiceResponse, in the request's encoding. */
export function encodeResponse(protobuf: boolean, rejectedSpans: number, errorMessage: string): Buffer | object {
  const partialSuccess = rejectedSpans > 0 ? { rejectedSpans, errorMessage } : undefined;
  if (!protobuf) return partialSuccess ? { partialSuccess } : {};
  return Buffer.from(proto.ExportTraceServiceResponse.encode({ partialSuccess }).finish());
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }]);
}
