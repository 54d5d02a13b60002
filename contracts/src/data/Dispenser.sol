// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataNFTFactory} from "./IDataNFTFactory.sol";
import {IDatatoken} from "./IDatatoken.sol";
import {IDispenser} from "./IDispenser.sol";

/// @title Dispenser
/// @notice See IDispenser.
contract Dispenser is IDispenser, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    struct Config {
        bool exists;
        bool active;
        uint256 maxTokens;
        uint256 maxBalance;
        address allowedSwapper;
    }

    IDataNFTFactory private immutable _factory;
    mapping(address datatoken => Config) private _configs;

    constructor(address factory_) {
        if (factory_ == address(0)) revert DispenserZeroAddress("factory");
        _factory = IDataNFTFactory(factory_);
    }

    /// @inheritdoc IDispenser
    function factory() external view returns (address) {
        return address(_factory);
    }

    /// @inheritdoc IDispenser
    function status(address datatoken) external view returns (Status memory s) {
        Config storage c = _configs[datatoken];
        s = Status(c.exists, c.active, c.maxTokens, c.maxBalance, c.allowedSwapper, 0, false);
        if (c.exists) {
            s.balance = IERC20(datatoken).balanceOf(address(this));
            s.isMinter = IDatatoken(datatoken).isMinter(address(this));
        }
    }

    /// @inheritdoc IDispenser
    function create(address datatoken, uint256 maxTokens, uint256 maxBalance, address allowedSwapper) external {
        if (!_factory.isDatatoken(datatoken)) revert DispenserNotFactoryDatatoken(datatoken);
        if (msg.sender != address(_factory) && !IDatatoken(datatoken).isDeployer(msg.sender)) {
            revert DispenserNotDeployer(datatoken, msg.sender);
        }
        Config storage c = _configs[datatoken];
        if (c.exists) revert DispenserExists(datatoken);
        _configs[datatoken] = Config(true, true, maxTokens, maxBalance, allowedSwapper);
        emit DispenserCreated(datatoken, msg.sender, maxTokens, maxBalance);
    }

    function _owned(address datatoken) private view returns (Config storage c) {
        c = _configs[datatoken];
        if (!c.exists) revert DispenserUnknown(datatoken);
        if (!IDatatoken(datatoken).isDeployer(msg.sender)) revert DispenserNotDeployer(datatoken, msg.sender);
    }

    /// @inheritdoc IDispenser
    function activate(address datatoken, uint256 maxTokens, uint256 maxBalance) external {
        Config storage c = _owned(datatoken);
        c.active = true;
        c.maxTokens = maxTokens;
        c.maxBalance = maxBalance;
        emit DispenserActivated(datatoken, maxTokens, maxBalance);
    }

    /// @inheritdoc IDispenser
    function deactivate(address datatoken) external {
        Config storage c = _owned(datatoken);
        c.active = false;
        emit DispenserDeactivated(datatoken);
    }

    /// @inheritdoc IDispenser
    function setAllowedSwapper(address datatoken, address swapper) external {
        Config storage c = _owned(datatoken);
        c.allowedSwapper = swapper;
        emit DispenserAllowedSwapperChanged(datatoken, swapper);
    }

    /// @inheritdoc IDispenser
    function dispense(address datatoken, uint256 amount, address destination) external nonReentrant {
        Config storage c = _configs[datatoken];
        if (!c.exists) revert DispenserUnknown(datatoken);
        if (!c.active) revert DispenserInactive(datatoken);
        if (amount == 0) revert DispenserZeroAmount();
        if (destination == address(0)) revert DispenserZeroAddress("destination");
        if (c.allowedSwapper != address(0) && c.allowedSwapper != msg.sender) {
            revert DispenserNotAllowedSwapper(datatoken, msg.sender, c.allowedSwapper);
        }
        if (amount > c.maxTokens) revert DispenserAboveMaxTokens(amount, c.maxTokens);
        uint256 held = IERC20(datatoken).balanceOf(destination);
        if (held >= c.maxBalance) revert DispenserBalanceAtMax(destination, held, c.maxBalance);
        uint256 own = IERC20(datatoken).balanceOf(address(this));
        emit TokensDispensed(datatoken, msg.sender, destination, amount);
        if (own >= amount) {
            IERC20(datatoken).safeTransfer(destination, amount);
        } else if (IDatatoken(datatoken).isMinter(address(this))) {
            if (own != 0) IERC20(datatoken).safeTransfer(destination, own);
            IDatatoken(datatoken).mint(destination, amount - own);
        } else {
            revert DispenserNotEnoughTokens(amount, own);
        }
    }

    /// @inheritdoc IDispenser
    function ownerWithdraw(address datatoken) external nonReentrant {
        _owned(datatoken);
        uint256 own = IERC20(datatoken).balanceOf(address(this));
        address to = IDatatoken(datatoken).paymentCollector();
        emit OwnerWithdrawn(datatoken, to, own);
        if (own != 0) IERC20(datatoken).safeTransfer(to, own);
    }
}
