/**
 * The one error catalogue. Every error a caller can see has a stable code, an HTTP status and
 * whether retrying the same request can succeed. docs/errors.md mirrors this table and a test
 * fails when the two drift apart.
 */
export interface ErrorDefinition {
  readonly status: number;
  readonly retryable: boolean;
  /** What the code means, for docs/errors.md. */
  readonly summary: string;
  /**
   * A refusal at admission: nothing ran and the body was mostly never read, so the audit log
   * counts these per caller, version and reason instead of a summary each.
   */
  readonly admission?: true;
  /**
   * Retry-After, in seconds, for an error raised without its own (every 429 and 503 has one, so
   * the rule "a 429/503 always says when to retry" holds by construction, not call site by call site).
   */
  readonly retryAfterSeconds?: number;
}

export const ERROR_CATALOGUE = {
  BAD_JSON: { status: 400, retryable: false, summary: 'The request body is not valid JSON.' },
  INVALID_REQUEST: { status: 400, retryable: false, summary: 'The body is JSON but not a valid request object (a field is missing or has the wrong type).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, summary: 'The request has a body of a content type the route does not read: /v1 takes application/json and application/octet-stream; /v2 also takes none and form-urlencoded, as Triton does (see docs/api.md).' },
  JSON_TOO_DEEP: { status: 400, retryable: false, summary: 'The JSON nests arrays and objects deeper than max_json_depth (default 64).' },
  CONTENT_ENCODING_UNSUPPORTED: { status: 415, retryable: false, summary: 'The request body has a Content-Encoding other than gzip, deflate or identity.' },
  COMPRESSED_BODY_INVALID: { status: 400, retryable: false, summary: 'A gzip or deflate request body is truncated or is not in the format its Content-Encoding names.' },
  BODY_TOO_LARGE: { status: 413, retryable: false, summary: 'The request body is larger than the configured limit (body_limit_bytes).' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, summary: 'No route matches this method and path.' },
  REQUEST_TIMEOUT: { status: 408, retryable: true, summary: "The request's headers or body did not arrive within the server's timeouts (http.headers_timeout_ms, http.request_timeout_ms, http.upload_timeout_ms); the connection is closed." },
  UPLOADS_BUSY: { status: 503, retryable: true, retryAfterSeconds: 5, summary: "As many registry pushes as registry.ingest.max_concurrent_uploads are already being received; retry after the Retry-After header's seconds." },
  MODEL_NAME_INVALID: { status: 400, retryable: false, summary: 'A model name in the path is not a valid name: 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit (also any path segment over 256 characters).' },
  MODEL_NOT_FOUND: { status: 404, retryable: false, summary: 'No model with this name is in the repository.' },
  MODEL_VERSION_NOT_FOUND: { status: 404, retryable: false, summary: 'The model exists but not this version.' },
  MODEL_LOAD_FAILED: { status: 400, retryable: false, summary: "A load through the repository API (POST /v2/repository/models/{m}/load) made no version of the model ready; the message gives each version's reason." },
  MODEL_NOT_READY: { status: 503, retryable: true, retryAfterSeconds: 5, summary: 'The model version is known but not ready to serve (loading, or refused at load: see its reason in the repository index).' },
  INPUT_MISSING: { status: 400, retryable: false, summary: 'An input the model contract requires is absent.' },
  INPUT_UNEXPECTED: { status: 400, retryable: false, summary: 'An input that the model contract does not declare was sent.' },
  INPUT_DUPLICATE: { status: 400, retryable: false, summary: 'The same input name appears more than once.' },
  INPUT_DATATYPE_MISMATCH: { status: 400, retryable: false, summary: "The input's datatype differs from the contract's." },
  INPUT_SHAPE_INVALID: { status: 400, retryable: false, summary: 'A shape has a negative, zero, fractional or absurdly large dimension, or too many elements.' },
  INPUT_SHAPE_MISMATCH: { status: 400, retryable: false, summary: "The input's shape does not fit the contract (rank or a fixed dimension differs)." },
  INPUT_DATA_LENGTH_MISMATCH: { status: 400, retryable: false, summary: 'The number of data elements is not the product of the shape, or nested data does not follow the shape.' },
  INPUT_VALUE_INVALID: { status: 400, retryable: false, summary: 'A data element has the wrong JSON type for the datatype (e.g. a string for FP32, a fraction for INT32).' },
  INPUT_VALUE_OUT_OF_RANGE: { status: 400, retryable: false, summary: 'A data element is outside the range the datatype can hold.' },
  BATCH_TOO_LARGE: { status: 400, retryable: false, summary: "The request's batch is larger than the model's max_batch_size." },
  BATCH_SIZE_MISMATCH: { status: 400, retryable: false, summary: 'Batched inputs disagree on the batch size.' },
  OUTPUT_UNKNOWN: { status: 400, retryable: false, summary: 'A requested output is not in the model contract, or is requested twice.' },
  PARAMETER_INVALID: { status: 400, retryable: false, summary: 'A request parameter has a value that is not allowed.' },
  HINT_INVALID: { status: 400, retryable: false, summary: 'A scheduling hint (latency class, priority, deadline, timeout, memory, hardware, cost, tenant) has an unknown or contradictory value.' },
  HINTS_UNSATISFIABLE: { status: 400, retryable: false, summary: 'No replica of the model could ever satisfy the request hints (hardware classes, memory, residency tiers, cost ceiling).' },
  NO_HEALTHY_REPLICA: { status: 503, retryable: true, retryAfterSeconds: 1, summary: 'Replicas that fit the request exist but none is ready right now.' },
  DEADLINE_INFEASIBLE: { status: 503, retryable: true, retryAfterSeconds: 1, summary: 'Refused at admission: the predicted queue wait plus service time already misses the request deadline.', admission: true },
  DEADLINE_EXCEEDED: { status: 504, retryable: true, summary: "The request's deadline passed while it waited in the queue (timeout action REJECT)." },
  OVERLOADED: { status: 503, retryable: true, retryAfterSeconds: 1, summary: "The model's queue is full; retry after the Retry-After header's seconds.", admission: true },
  SHUTTING_DOWN: { status: 503, retryable: true, retryAfterSeconds: 1, summary: 'The server is shutting down and takes no new requests; retry on another instance or after Retry-After.' },
  INFERENCE_FAILED: { status: 500, retryable: true, summary: 'The backend failed while running a valid request. Details are in the server log, never in the response.' },
  INTERNAL: { status: 500, retryable: true, summary: 'An unexpected server error. Details are in the server log, never in the response.' },
  SLO_SHEDDING: { status: 503, retryable: true, retryAfterSeconds: 1, summary: "Sheddable traffic is refused while the deployment's error budget burns fast (an SLO with the shed action fired); retry after Retry-After or send it as standard.", admission: true },
  SLO_NOT_FOUND: { status: 404, retryable: false, summary: 'No SLO with this id (model:version:latency_class); GET /v1/slos lists them.' },
  ARTIFACT_REFUSED: { status: 400, retryable: false, summary: 'An uploaded artifact is refused at ingest before anything is stored: an unsafe entry path (`..`, absolute, encoded or backslash separators, NUL), a link or device entry, a malformed archive or ONNX file, or ONNX external data outside the artifact.' },
  ARTIFACT_TOO_LARGE: { status: 413, retryable: false, summary: 'An uploaded artifact is over an ingest limit (total bytes, bytes per entry, or entry count).' },
  INGEST_SOURCE_NOT_ALLOWED: { status: 400, retryable: false, summary: 'An artifact source URL is not on the configured allow-list (or not https, or carries credentials).' },
  INGEST_SOURCE_FAILED: { status: 502, retryable: true, summary: 'Fetching an allowed artifact source URL failed (network error, non-200 status, or over the size cap).' },
  ARTIFACT_INTEGRITY_FAILED: { status: 409, retryable: false, summary: 'A stored artifact no longer matches its manifest (a file flipped, added or removed) or its signature; the version is refused at load and never becomes ready.' },
  SIGNATURE_INVALID: { status: 400, retryable: false, summary: 'A manifest signature is missing while policy requires one, names an untrusted key, or does not verify.' },
  CONTRACT_INVALID: { status: 400, retryable: false, summary: 'A model version contract (tensor specs or parameter JSON Schema) is malformed.' },
  CONTRACT_BREAKING_UNDECLARED: { status: 409, retryable: false, summary: 'The new version breaks the contract of the version it replaces and the push did not declare `breaking: true`.' },
  MODEL_VERSION_EXISTS: { status: 409, retryable: false, summary: 'This model version already exists; versions are immutable, push a new version number.' },
  TRANSITION_NOT_ALLOWED: { status: 409, retryable: false, summary: 'The lifecycle transition (or approval) is not allowed from the version\'s current state.' },
  APPROVAL_GATE_UNMET: { status: 409, retryable: false, summary: 'The version cannot be approved yet: required approvals by role or evaluation thresholds are missing.' },
  SELF_APPROVAL_FORBIDDEN: { status: 403, retryable: false, summary: 'The approving key is the key that pushed the version; approval needs a different key.' },
  UNAUTHENTICATED: { status: 401, retryable: false, summary: 'The route needs an API key and none was sent, or the key sent is unknown, malformed or revoked.' },
  FORBIDDEN: { status: 403, retryable: false, summary: "The API key is valid but lacks a role the route admits, or its tenant may not use this model." },
  KEY_NOT_FOUND: { status: 404, retryable: false, summary: 'No API key has this id.' },
  UPSTREAM_REJECTED: { status: 400, retryable: false, summary: "The upstream model server refused the request as invalid (its 4xx); the message carries the upstream's reason." },
  UPSTREAM_OVERLOADED: { status: 503, retryable: true, retryAfterSeconds: 1, summary: 'The upstream model server is overloaded (it answered 429 or 503); retry after Retry-After.' },
  UPSTREAM_UNAVAILABLE: { status: 502, retryable: true, summary: 'The upstream model server could not be reached or failed (refused or dropped connection, a 5xx answer); details are in the server log.' },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true, summary: 'The upstream model server did not connect, answer or finish its answer within the configured timeouts.' },
  UPSTREAM_RESPONSE_INVALID: { status: 502, retryable: false, summary: "The upstream's answer is not one the contract allows (not JSON, too large, outputs missing or of the wrong datatype or shape)." },
  REPLICA_FAILED: { status: 503, retryable: true, retryAfterSeconds: 1, summary: 'The node running the batch was lost or drained mid-batch and the request could not be retried on another replica within its deadline and the retry budget; retry after Retry-After.' },
  JOIN_TOKEN_INVALID: { status: 401, retryable: false, summary: 'An agent presented a missing or wrong cluster join token, or a node secret that does not match its node.' },
  DATAPLANE_PROTOCOL_UNSUPPORTED: { status: 400, retryable: false, summary: "An agent speaks a data-plane protocol major version this gateway does not (switchyard-dataplane/<major>.<minor>); upgrade one side." },
  NODE_UNKNOWN: { status: 410, retryable: true, summary: 'The node was declared dead or has left; the agent must join again.' },
  CLUSTER_DISABLED: { status: 404, retryable: false, summary: 'Cluster mode is off on this server (no cluster.token is set), so it has no nodes and takes no agents.' },
  CIRCUIT_OPEN: { status: 503, retryable: true, retryAfterSeconds: 1, summary: "The deployment's circuit breaker is open after repeated failures and no fallback could answer; retry after Retry-After." },
  QUOTA_EXCEEDED: { status: 429, retryable: true, retryAfterSeconds: 1, summary: "The API key's tenant is over its quota (requests_per_second or max_concurrent); retry after the Retry-After header's seconds.", admission: true },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error a caller is meant to see: its message is safe to return as-is. */
export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying, for 429/503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    // A refusal or a caller's mistake is an answer, not a fault: capturing its stack would cost
    // more than the rest of the refusal under overload. Faults (non-retryable 5xx) keep theirs.
    const answer = ERROR_CATALOGUE[code].status < 500 || ERROR_CATALOGUE[code].retryable;
    const limit = Error.stackTraceLimit;
    if (answer) Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'SwitchyardError';
    this.code = code;
    const definition = ERROR_CATALOGUE[code];
    this.status = definition.status;
    this.retryable = definition.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isSwitchyardError(error: unknown): error is SwitchyardError {
  return error instanceof SwitchyardError;
}

/** The OIP error body plus our code; a 5xx never carries the internal message. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  retryable: boolean;
}

export function errorBody(error: SwitchyardError): ErrorBody {
  return { error: error.message, code: error.code, retryable: error.retryable };
}
