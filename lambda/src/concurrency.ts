/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in item order.
 * The first rejection stops further items from starting and is rethrown once the calls in flight settle.
 * The one concurrency helper of the project: the multipart copy's parts and the restore's documents use it.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
