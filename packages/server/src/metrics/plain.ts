// A counter and a histogram for the per-request path, kept in plain numbers: prom-client's own
// look up a sample by hashing a labels object on every increment, about 15,000 instructions
// per request for the HTTP pair (docs/performance.md, metrics). Here a caller holds the child
// for its label values (found once per label set, then cached), and an increment is an
// addition. The registry reads them at scrape time through get(), in prom-client's own format,
// so the text, the lint and the cluster's aggregation are prom-client's.
import type client from 'prom-client';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class Plain<C> {
  readonly aggregator = 'sum';
  private readonly children = new Map<string, C & { labels: Record<string, string> }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The child of these label values (in labelNames' order): created once, then reused. */
  child(...values: string[]): C {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] as string]));
      child = { ...this.fresh(), labels };
      this.children.set(key, child);
    }
    return child;
  }

  protected all() {
    return [...this.children.values()];
  }

  protected abstract fresh(): C;
  abstract readonly type: 'counter' | 'histogram';
  abstract get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] };

  /** Adds it to a registry (which calls get() at each scrape). */
  register(registry: client.Registry): this {
    registry.registerMetric(this as unknown as client.Metric);
    return this;
  }

  reset(): void {
    for (const child of this.children.values()) Object.assign(child, this.fresh());
  }
}

export class PlainCounter extends Plain<{ value: number }> {
  readonly type = 'counter';
  protected fresh() {
    return { value: 0 };
  }
  get() {
    const values = this.all().map(({ labels, value }) => ({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface HistogramChild {
  counts: number[];
  sum: number;
  count: number;
}

export class PlainHistogram extends Plain<HistogramChild> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  /** Counts `value` in its bucket (the first upper bound it does not exceed); cumulated at scrape time. */
  observe(child: HistogramChild, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    child.counts[i] = (child.counts[i] ?? 0) + 1;
    child.sum += value;
    child.count++;
  }

  protected fresh(): HistogramChild {
    return { counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  get() {
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.all()) {
      let cumulative = 0;
      for (const [i, bound] of [...this.buckets, '+Inf' as const].entries()) {
        cumulative += counts[i] ?? 0;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
