// Capped exponential backoff with jitter for sync retries; reset on `online` and success.

/** A backoff: next() gives the delay before the next try; reset() starts over. */
export function createBackoff({ baseMs = 2000, maxMs = 5 * 60 * 1000, random = Math.random } = {}) {
  let failures = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, baseMs * 2 ** failures);
      failures += 1;
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    reset() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}
