// Where the metrics are served from. One process: itself. A cluster: the primary, which asks
// every worker for its registry over the cluster's IPC channel at each scrape and adds them up
// (prom-client's AggregatorRegistry), so Prometheus scrapes one target per instance.
import cluster from 'node:cluster';
import client from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { listenMetrics, type MetricsListener } from './listener.js';
import { createPromMetrics, type PromMetrics } from './prometheus.js';

/** This serving process's metrics when METRICS_PORT is set; a worker's answer the primary's requests. */
export function processMetrics(config: Config): PromMetrics | undefined {
  if (!config.metrics) return undefined;
  const metrics = createPromMetrics();
  if (cluster.isWorker) {
    // Constructing one is what makes a worker answer the primary's requests (prom-client).
    new client.AggregatorRegistry();
    client.AggregatorRegistry.setRegistries([metrics.registry]);
  }
  return metrics;
}

/** The listener of a single process (none in a cluster worker: the primary serves). */
export async function serveProcessMetrics(config: Config, metrics: PromMetrics | undefined, log: Logger) {
  if (!config.metrics || !metrics || cluster.isWorker) return null;
  return listenMetrics(config.metrics, () => metrics.registry.metrics(), metrics.registry.contentType, log);
}

/** The cluster primary's listener: every worker's metrics, added up. */
export async function serveClusterMetrics(config: Config, log: Logger): Promise<MetricsListener | null> {
  if (!config.metrics) return null;
  const aggregator = new client.AggregatorRegistry();
  return listenMetrics(config.metrics, () => aggregator.clusterMetrics(), aggregator.contentType, log);
}
