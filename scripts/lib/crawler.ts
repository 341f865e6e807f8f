import { GetCrawlerCommand, type GlueClient, StartCrawlerCommand } from "@aws-sdk/client-glue";
import { OperatorError } from "./cli";

export interface CrawlOptions {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onState?: (state: string) => void;
}

/**
 * Starts a crawler (or joins the crawl under way) and waits until it is READY again after a crawl that started
 * no earlier than now; a last crawl other than SUCCEEDED is an error with Glue's message.
 */
export async function crawlAndWait(glue: GlueClient, name: string, options: CrawlOptions = {}): Promise<void> {
  const { pollMs = 10_000, timeoutMs = 30 * 60_000, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), onState = () => undefined } = options;
  const startedAt = Date.now() - 5_000;
  try {
    await glue.send(new StartCrawlerCommand({ Name: name }));
  } catch (e) {
    if ((e as { name?: string }).name !== "CrawlerRunningException") throw e;
  }
  let crawled = false;
  for (let waited = 0; ; waited += pollMs) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    const state = Crawler?.State ?? "UNKNOWN";
    onState(state);
    crawled ||= state !== "READY" || (Crawler?.LastCrawl?.StartTime?.getTime() ?? 0) >= startedAt;
    if (state === "READY" && crawled) {
      const last = Crawler?.LastCrawl;
      if (last?.Status !== "SUCCEEDED")
        throw new OperatorError(
          `crawler ${name} ended ${last?.Status ?? "without a crawl"}: ${last?.ErrorMessage ?? "no message"} (log group ${last?.LogGroup ?? "/aws-glue/crawlers"})`,
        );
      return;
    }
    if (waited >= timeoutMs) throw new OperatorError(`crawler ${name} still ${state} after ${Math.round(timeoutMs / 60_000)} min`);
    await sleep(pollMs);
  }
}
