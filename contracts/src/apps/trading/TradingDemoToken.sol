// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TradingDemoToken
/// @notice A plain fixed-supply ERC-20 (OpenZeppelin) that `noos demo trading-agent` pairs with NOOS
///         on the devnet's Uniswap v2 pair.
contract TradingDemoToken is ERC20 {
    /// @param holder Receives the whole `supply`.
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply) ERC20(name_, symbol_) {
        _mint(holder, supply);
    }
}
