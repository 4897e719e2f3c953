// QuotaMetricsUtils: the quota gauges, per top namespace, read from /zookeeper/quota when
// shown — each limit (the hard one where set, else the soft one) and each usage, summed
// over the quotas under one namespace. mntr shows them as zk_<namespace>_quota_..., and
// Prometheus as quota_..._per_namespace{key="<namespace>"}.
import type { MetricsProvider } from '../metrics/metrics-provider';
import type { DataTree } from '../tree/data-tree';
import { LIMIT_NODE, QUOTA_ZOOKEEPER, QuotaFormatError, STAT_NODE, StatsTrack, topNamespace, trimQuotaPath } from '../tree/quotas';

type Measure = { node: typeof LIMIT_NODE | typeof STAT_NODE; value: (s: StatsTrack) => number };

const QUOTA_GAUGES: ReadonlyArray<[name: string, measure: Measure]> = [
  ['quota_count_limit_per_namespace', { node: LIMIT_NODE, value: (s) => (s.countHardLimit > -1 ? s.countHardLimit : s.count) }],
  ['quota_bytes_limit_per_namespace', { node: LIMIT_NODE, value: (s) => (s.byteHardLimit > -1 ? s.byteHardLimit : s.bytes) }],
  ['quota_count_usage_per_namespace', { node: STAT_NODE, value: (s) => s.count }],
  ['quota_bytes_usage_per_namespace', { node: STAT_NODE, value: (s) => s.bytes }],
];

export function registerQuotaGauges(provider: MetricsProvider, tree: () => DataTree): void {
  for (const [name, measure] of QUOTA_GAUGES) provider.registerGaugeSet(name, () => quotaLimitOrUsage(tree(), measure));
}

/** The leaves under /zookeeper/quota named as the measure's node, summed by namespace. */
function quotaLimitOrUsage(tree: DataTree, measure: Measure): Map<string, number> {
  const out = new Map<string, number>();
  const end = `/${measure.node}`;
  const stack = [QUOTA_ZOOKEEPER];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const node = tree.getNode(path);
    if (!node) continue;
    if (node.children.size > 0) {
      for (const child of node.children) stack.push(`${path}/${child}`);
      continue;
    }
    if (!path.endsWith(end) || node.data === null) continue;
    const namespace = topNamespace(trimQuotaPath(path));
    if (namespace === undefined) continue;
    let stats: StatsTrack;
    try {
      stats = new StatsTrack(node.data);
    } catch (e) {
      // ZooKeeper's gauge throws and the whole scrape fails; we leave the node out.
      if (e instanceof QuotaFormatError) continue;
      throw e;
    }
    out.set(namespace, (out.get(namespace) ?? 0) + measure.value(stats));
  }
  return out;
}
