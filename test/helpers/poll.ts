// Waiting for a condition that no event announces (a process gone, a file written): the one poll
// loop of the tests and the long runs.

/** Polls `check` until it holds; false after `timeoutMs`. */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  pollMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

/** Polls until `check` holds, failing after `timeoutMs` with `what`. */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  if (!(await until(check, timeoutMs)))
    throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
}
