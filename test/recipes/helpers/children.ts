/** Children of a recipe's node, or none once the server has reaped the empty container. */
import { NoNodeError, type ZooKeeperClient } from '../../../src/index.js'

export async function childrenOf(client: ZooKeeperClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children
  } catch (error) {
    if (error instanceof NoNodeError) return []
    throw error
  }
}
