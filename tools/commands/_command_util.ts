/**
 * Cluster lookups several commands share (RocketMQ `CommandUtil`): masters and slaves of a cluster,
 * the broker name of an address. Internal to `tools/commands/`.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import type { ClusterInfo } from "../../client/topic_route.ts";
import { MQAdminError } from "../command.ts";

/** RocketMQ `NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`: the KV namespace of ordered topics' confs. */
export const NAMESPACE_ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

/** RocketMQ `MixAll.MASTER_ID`. */
const MASTER_ID = 0;

function brokerNamesOf(info: ClusterInfo, clusterName: string): string[] {
  const names = info.clusterAddrTable.get(clusterName);
  if (names === undefined) {
    throw new MQAdminError(`Cannot find cluster ${clusterName} in the name servers`);
  }
  return [...names].sort();
}

/**
 * RocketMQ `fetchMasterAndSlaveDistinguish`: each broker group's master and its slaves.
 *
 * @param admin the admin client
 * @param clusterName the cluster
 * @returns master address (undefined when the group has none) and slave addresses per group
 * @throws {MQAdminError} when the cluster is unknown
 */
export async function mastersAndSlaves(
  admin: AdminClient,
  clusterName: string,
): Promise<{ master: string | undefined; slaves: string[] }[]> {
  const info = await admin.clusterInfo();
  const out: { master: string | undefined; slaves: string[] }[] = [];
  for (const name of brokerNamesOf(info, clusterName)) {
    const addrs = info.brokerAddrTable.get(name)?.brokerAddrs;
    if (addrs === undefined) continue;
    const slaves = [...addrs].filter(([id]) => id !== MASTER_ID).sort(([a], [b]) => a - b)
      .map(([, addr]) => addr);
    out.push({ master: addrs.get(MASTER_ID), slaves });
  }
  return out;
}

/**
 * RocketMQ `fetchMasterAddrByClusterName` / `fetchMasterAndSlaveAddrByClusterName`.
 *
 * @param admin the admin client
 * @param clusterName the cluster
 * @param withSlaves include slaves
 * @returns the addresses
 * @throws {MQAdminError} when the cluster is unknown
 */
export async function brokerAddrsOfCluster(
  admin: AdminClient,
  clusterName: string,
  withSlaves = false,
): Promise<string[]> {
  const out: string[] = [];
  for (const group of await mastersAndSlaves(admin, clusterName)) {
    if (group.master !== undefined) out.push(group.master);
    if (withSlaves) out.push(...group.slaves);
  }
  return out;
}

/**
 * RocketMQ `fetchBrokerNameByClusterName`.
 *
 * @param admin the admin client
 * @param clusterName the cluster
 * @returns its broker names, sorted
 * @throws {MQAdminError} when the cluster is unknown
 */
export async function brokerNamesOfCluster(
  admin: AdminClient,
  clusterName: string,
): Promise<string[]> {
  return brokerNamesOf(await admin.clusterInfo(), clusterName);
}

/**
 * RocketMQ `fetchBrokerNameByAddr`.
 *
 * @param admin the admin client
 * @param addr a broker address
 * @returns the name of the broker group it belongs to
 * @throws {MQAdminError} when no registered broker has that address
 */
export async function brokerNameOfAddr(admin: AdminClient, addr: string): Promise<string> {
  const info = await admin.clusterInfo();
  for (const [name, data] of info.brokerAddrTable) {
    if ([...data.brokerAddrs.values()].includes(addr)) return name;
  }
  throw new MQAdminError(`Cannot find broker ${addr} in the name servers`);
}

/**
 * Runs `each` for every address of a cluster command, as RocketMQ's commands catch per broker:
 * a broker that fails or hangs (until the client timeout) is reported as
 * `Cannot <action> of <addr>: <reason>` and the others still run; then one error names the failed.
 *
 * @param out where the failures are reported
 * @param addrs the brokers
 * @param action what `each` does, for the messages, e.g. "read the runtime info"
 * @param each the work for one broker
 * @throws {MQAdminError} after the loop when any broker failed (exit 1)
 */
export async function forEachBroker(
  out: { write(text: string): void },
  addrs: readonly string[],
  action: string,
  each: (addr: string) => Promise<void>,
): Promise<void> {
  const failed: string[] = [];
  for (const addr of addrs) {
    try {
      await each(addr);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      out.write(`Cannot ${action} of ${addr}: ${reason}\n`);
      failed.push(addr);
    }
  }
  if (failed.length > 0) throw new MQAdminError(`Cannot ${action} of ${failed.join(", ")}`);
}
