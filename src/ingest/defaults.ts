// Defaults of the ingester that `hermes-chat ingest --help` shows, apart from the modules that use
// them so that printing help loads no pg, mqtt or zod (issue 12: start-up time). May import nothing.

/** Default for `SignupHandlerOptions.perMinute` (signup.ts): sign-up requests handled per minute. */
export const DEFAULT_SIGNUPS_PER_MINUTE = 10;
