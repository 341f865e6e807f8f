/**
 * Runs fn with some environment variables set (undefined: unset) and puts the old values back when it returns,
 * throws, or, for a promise, settles.
 */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    apply(saved);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => apply(saved)) as T;
  apply(saved);
  return result;
}
