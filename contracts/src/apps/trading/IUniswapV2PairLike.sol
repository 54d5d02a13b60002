// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IUniswapV2PairLike
/// @notice The part of a Uniswap v2 pair (npm package uniswap v2-core, build/UniswapV2Pair.json) the
///         trading vault calls: reserves, the cumulative prices, and the low-level swap.
interface IUniswapV2PairLike {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function price0CumulativeLast() external view returns (uint256);
    function price1CumulativeLast() external view returns (uint256);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
