// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICoprocessorCoordinator} from "../../coprocessor/ICoprocessorCoordinator.sol";
import {IModelRegistry} from "../../zk/IModelRegistry.sol";
import {IPredictionMarket} from "./IPredictionMarket.sol";
import {PredictionConditionalTokens} from "./PredictionConditionalTokens.sol";
import {PredictionMarket} from "./PredictionMarket.sol";

/// @title PredictionMarketFactory
/// @notice Creates AI-resolved prediction markets: one EIP-1167 clone of PredictionMarket per
///         question, funded in the same transaction.
contract PredictionMarketFactory {
    using SafeERC20 for IERC20;

    /// @notice The market every clone delegates to.
    PredictionMarket public immutable IMPLEMENTATION;
    ICoprocessorCoordinator public immutable COORDINATOR;
    PredictionConditionalTokens public immutable CONDITIONAL_TOKENS;

    /// @notice Every market created, in order.
    address[] public markets;

    /// @notice `creator` created `market` (its question: PredictionMarket's MarketCreated).
    event MarketDeployed(address indexed market, address indexed creator, uint256 index);

    constructor(
        ICoprocessorCoordinator coordinator,
        PredictionConditionalTokens conditionalTokens,
        IModelRegistry models
    ) {
        COORDINATOR = coordinator;
        CONDITIONAL_TOKENS = conditionalTokens;
        IMPLEMENTATION = new PredictionMarket(coordinator, conditionalTokens, models, address(this));
    }

    /// @notice Creates a market for `p.question`. The caller must have approved this factory for
    ///         `p.liquidity` of `p.collateral` and `p.resolutionFee` of `p.paymentToken`: the liquidity
    ///         goes into the market's pool, the fee into its coordinator escrow (unspent: back to the
    ///         creator at `withdrawLiquidity`).
    function createMarket(IPredictionMarket.MarketParams calldata p) external returns (address market) {
        market = Clones.clone(address(IMPLEMENTATION));
        emit MarketDeployed(market, msg.sender, markets.length);
        markets.push(market);
        p.collateral.safeTransferFrom(msg.sender, market, p.liquidity);
        PredictionMarket(market).initialize(msg.sender, p);
        IERC20 token = IERC20(p.paymentToken);
        token.safeTransferFrom(msg.sender, address(this), p.resolutionFee);
        token.forceApprove(address(COORDINATOR), p.resolutionFee);
        COORDINATOR.deposit(market, address(token), p.resolutionFee);
    }

    /// @notice The number of markets created.
    function marketCount() external view returns (uint256) {
        return markets.length;
    }
}
