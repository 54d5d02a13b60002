// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TradingVaultFixture} from "./TradingVaultFixture.sol";

contract TradingVaultTest is TradingVaultFixture {
    function test_setup_realUniswapPair() public view {
        assertEq(factory.getPair(address(baseToken), address(quoteTok)), address(pair));
        assertEq(pair.factory(), address(factory));
    }
}
