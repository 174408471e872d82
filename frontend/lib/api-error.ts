/** Why a call to the task API did not succeed. */
export type ApiFailureKind =
  | "http" // the API answered with an error status
  | "network" // no answer at all (offline, refused, CORS)
  | "timeout" // no answer in time
  | "session_ended" // the person has to sign in again; the redirect is already under way
  | "aborted"; // the page cancelled the call (a newer search replaced it): nothing to tell anyone

/** The contract's error body: `{detail, status_code, error_type}` plus field errors for 400. */
export interface ApiErrorBody {
  detail?: string;
  status_code?: number;
  error_type?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly kind: ApiFailureKind;
  readonly status: number | undefined;
  readonly errorType: string | undefined;
  readonly fieldErrors: Record<string, string[]>;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: ApiFailureKind,
    message: string,
    details: {
      status?: number;
      errorType?: string;
      fieldErrors?: Record<string, string[]>;
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = details.status;
    this.errorType = details.errorType;
    this.fieldErrors = details.fieldErrors ?? {};
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** Trying the same thing again later may work (no answer, rate limit, server trouble). */
  get isTransient(): boolean {
    if (this.kind === "network" || this.kind === "timeout") return true;
    return this.status !== undefined && (this.status === 429 || this.status >= 500);
  }
}

/** A sentence a person can act on, for any failure. */
export function describeApiError(error: unknown): string {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  switch (error.kind) {
    case "network":
      return "Can't reach the task service. Check your connection and try again.";
    case "timeout":
      return "The task service took too long to answer. Please try again.";
    case "session_ended":
      return "Your session has expired. Please sign in again.";
    case "aborted":
      return "The request was cancelled.";
    case "http":
      return describeHttpError(error);
  }
}

function describeHttpError(error: ApiError): string {
  const status = error.status ?? 0;
  if (status === 403) return "Access denied: you can only see and change your own tasks.";
  if (status === 404) return "That task no longer exists. It may have been deleted elsewhere.";
  if (status === 412) return "It was changed in another window meanwhile; the list now shows the latest version.";
  if (status === 429) return "Too many requests right now. Wait a moment and try again.";
  if (status >= 500) return "The task service is having trouble right now. Please try again in a moment.";
  if (status === 400) {
    const firstFieldError = Object.values(error.fieldErrors).flat()[0];
    return firstFieldError ?? error.message;
  }
  return error.message;
}

/** Reads a `Retry-After` header given in seconds (the form the API sends). */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
