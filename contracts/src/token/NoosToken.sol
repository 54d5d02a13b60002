// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title NoosToken
/// @notice The NOOS token: ERC-20 with EIP-2612 permits, ERC-5805 votes and burning (subnet
///         registration fees are burned with `burnFrom`). The whole initial supply goes to the
///         treasury; `MINTER_ROLE` is kept for subnet emissions.
contract NoosToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes, AccessControl {
    /// @notice Role allowed to mint (granted later to the subnet emission module).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The treasury address is the zero address.
    error NoosTokenZeroTreasury();
    /// @notice The admin address is the zero address (nobody could ever grant MINTER_ROLE).
    error NoosTokenZeroAdmin();

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (grants and revokes MINTER_ROLE).
    /// @param treasury Receiver of the initial supply.
    /// @param initialSupply Initial supply in wei (18 decimals).
    constructor(address admin, address treasury, uint256 initialSupply)
        ERC20("Noosphere", "NOOS")
        ERC20Permit("Noosphere")
    {
        if (treasury == address(0)) revert NoosTokenZeroTreasury();
        if (admin == address(0)) revert NoosTokenZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _mint(treasury, initialSupply);
    }

    /// @notice Mints `amount` to `to`. Only MINTER_ROLE.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
