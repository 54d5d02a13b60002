// A real anvil with every contract deployed, and one SDK client per dev account: what the
// TypeScript integration tests start in `beforeAll`.
import {
  createNoosClient,
  type Deployment,
  type NoosWalletClient,
  noosphereActions,
} from "@noosphere/sdk";
import type { StartAnvilParameters } from "./anvil.js";
import { deployNoosphere } from "./deploy.js";
import { startTestChain, type TestChain } from "./testing.js";

export type TestDeployment = TestChain & {
  deployment: Deployment;
  /** Client of dev account `index` with every action bound to the deployment. */
  client: (index: number) => NoosWalletClient & ReturnType<ReturnType<typeof noosphereActions>>;
};

export async function startTestDeployment(
  parameters: StartAnvilParameters = {},
): Promise<TestDeployment> {
  const chain = await startTestChain(parameters);
  const [deployer] = chain.accounts;
  if (!deployer) throw new Error("no dev accounts");
  try {
    const deployment = await deployNoosphere({
      rpcUrl: chain.anvil.rpcUrl,
      chainId: chain.anvil.chainId,
      deployer: deployer.account,
      fund: chain.accounts.map((a) => a.address),
    });
    const client = (index: number) => {
      const account = chain.accounts[index];
      if (!account) throw new Error(`no dev account ${index}`);
      return createNoosClient({
        rpcUrl: chain.anvil.rpcUrl,
        chainId: chain.anvil.chainId,
        privateKey: account.privateKey,
        pollingInterval: 50,
      }).extend(noosphereActions(deployment.contracts));
    };
    return { ...chain, deployment, client };
  } catch (err) {
    await chain.stop();
    throw err;
  }
}
