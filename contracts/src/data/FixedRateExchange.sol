// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDataNFTFactory} from "./IDataNFTFactory.sol";
import {IDatatoken} from "./IDatatoken.sol";
import {IFixedRateExchange} from "./IFixedRateExchange.sol";

/// @title FixedRateExchange
/// @notice See IFixedRateExchange. Base tokens must be plain ERC-20s (no fee-on-transfer).
contract FixedRateExchange is IFixedRateExchange, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant ONE = 1e18;
    /// @inheritdoc IFixedRateExchange
    uint256 public constant MIN_FEE = 1e14;
    /// @inheritdoc IFixedRateExchange
    uint256 public constant MAX_FEE = 5e17;
    /// @inheritdoc IFixedRateExchange
    uint256 public constant MIN_RATE = 1e10;

    IDataNFTFactory private immutable _factory;
    mapping(bytes32 id => Exchange) private _exchanges;

    constructor(address factory_) {
        if (factory_ == address(0)) revert ExchangeZeroAddress("factory");
        _factory = IDataNFTFactory(factory_);
    }

    /// @inheritdoc IFixedRateExchange
    function factory() external view returns (address) {
        return address(_factory);
    }

    /// @inheritdoc IFixedRateExchange
    function exchangeId(address baseToken, address datatoken) public pure returns (bytes32) {
        return keccak256(abi.encode(baseToken, datatoken));
    }

    /// @inheritdoc IFixedRateExchange
    function getExchange(bytes32 id) external view returns (Exchange memory) {
        return _exchanges[id];
    }

    /// @inheritdoc IFixedRateExchange
    function exists(bytes32 id) public view returns (bool) {
        return _exchanges[id].datatoken != address(0);
    }

    // ---------------------------------------------------------------- creation

    /// @inheritdoc IFixedRateExchange
    function createExchange(
        address datatoken,
        address baseToken,
        uint256 fixedRate,
        uint256 marketFee,
        address marketFeeCollector,
        bool withMint,
        address allowedSwapper
    ) external returns (bytes32 id) {
        if (!_factory.isDatatoken(datatoken)) revert ExchangeNotFactoryDatatoken(datatoken);
        if (baseToken == address(0)) revert ExchangeZeroAddress("baseToken");
        id = exchangeId(baseToken, datatoken);
        if (msg.sender != address(_factory) && !IDatatoken(datatoken).isDeployer(msg.sender)) {
            revert ExchangeNotDeployer(id, msg.sender);
        }
        if (exists(id)) revert ExchangeExists(id);
        if (fixedRate < MIN_RATE) revert ExchangeRateTooLow(fixedRate, MIN_RATE);
        _checkFee(marketFee);
        if (marketFee != 0 && marketFeeCollector == address(0)) revert ExchangeZeroAddress("marketFeeCollector");
        uint8 btDecimals = IERC20Metadata(baseToken).decimals();
        if (btDecimals > 18) revert ExchangeBadDecimals(btDecimals);
        Exchange storage e = _exchanges[id];
        e.active = true;
        e.withMint = withMint;
        e.datatoken = datatoken;
        e.baseToken = baseToken;
        e.dtDecimals = 18;
        e.btDecimals = btDecimals;
        e.fixedRate = fixedRate;
        e.marketFee = marketFee;
        e.marketFeeCollector = marketFeeCollector;
        e.allowedSwapper = allowedSwapper;
        emit ExchangeCreated(id, baseToken, datatoken, msg.sender, fixedRate);
    }

    function _checkFee(uint256 fee) private pure {
        if (fee != 0 && (fee < MIN_FEE || fee > MAX_FEE)) revert ExchangeFeeOutOfRange(fee, MIN_FEE, MAX_FEE);
    }

    // ---------------------------------------------------------------- quotes

    /// @inheritdoc IFixedRateExchange
    function calcBaseInGivenOutDT(bytes32 id, uint256 dtAmount, uint256 consumeMarketFee)
        public
        view
        returns (Quote memory q)
    {
        Exchange storage e = _get(id);
        q = _fees(e, _baseFor(e, dtAmount, true), consumeMarketFee);
        q.baseTokenAmount = q.baseNoFee + q.protocolFee + q.marketFee + q.consumeMarketFee;
    }

    /// @inheritdoc IFixedRateExchange
    function calcBaseOutGivenInDT(bytes32 id, uint256 dtAmount, uint256 consumeMarketFee)
        public
        view
        returns (Quote memory q)
    {
        Exchange storage e = _get(id);
        q = _fees(e, _baseFor(e, dtAmount, false), consumeMarketFee);
        uint256 fees = q.protocolFee + q.marketFee + q.consumeMarketFee;
        if (fees > q.baseNoFee) revert ExchangeFeesAboveProceeds(fees, q.baseNoFee);
        q.baseTokenAmount = q.baseNoFee - fees;
    }

    /// Base units for `dtAmount` at the rate, rounded in the exchange's favour (up on buys, down on sells).
    function _baseFor(Exchange storage e, uint256 dtAmount, bool buy) private view returns (uint256) {
        uint256 scale = 10 ** (18 - e.btDecimals); // dt has 18 decimals, btDecimals <= 18
        return Math.mulDiv(dtAmount, e.fixedRate, ONE * scale, buy ? Math.Rounding.Ceil : Math.Rounding.Floor);
    }

    function _fees(Exchange storage e, uint256 base, uint256 consumeFee) private view returns (Quote memory q) {
        _checkFee(consumeFee);
        // Fees are rounded up on both sides: the payer never pays (or the seller gets) a wei too little.
        Math.Rounding r = Math.Rounding.Ceil;
        q.baseNoFee = base;
        q.protocolFee = Math.mulDiv(base, _factory.protocolSwapFee(e.baseToken), ONE, r);
        q.marketFee = Math.mulDiv(base, e.marketFee, ONE, r);
        q.consumeMarketFee = Math.mulDiv(base, consumeFee, ONE, r);
    }

    function _get(bytes32 id) private view returns (Exchange storage e) {
        e = _exchanges[id];
        if (e.datatoken == address(0)) revert ExchangeUnknown(id);
    }

    function _checkSwap(bytes32 id, Exchange storage e, uint256 dtAmount) private view {
        if (!e.active) revert ExchangeInactive(id);
        if (dtAmount == 0) revert ExchangeZeroAmount();
        if (e.allowedSwapper != address(0) && e.allowedSwapper != msg.sender) {
            revert ExchangeNotAllowedSwapper(id, msg.sender, e.allowedSwapper);
        }
    }

    // ---------------------------------------------------------------- swaps

    /// @inheritdoc IFixedRateExchange
    function buyDT(
        bytes32 id,
        uint256 dtAmount,
        uint256 maxBaseTokenAmount,
        address consumeMarketAddress,
        uint256 consumeMarketFee
    ) external nonReentrant returns (Quote memory q) {
        Exchange storage e = _get(id);
        _checkSwap(id, e, dtAmount);
        if (consumeMarketAddress == address(0)) consumeMarketFee = 0;
        q = calcBaseInGivenOutDT(id, dtAmount, consumeMarketFee);
        if (q.baseTokenAmount > maxBaseTokenAmount) revert ExchangeSlippage(q.baseTokenAmount, maxBaseTokenAmount);

        e.btBalance += q.baseNoFee;
        e.marketFeeAvailable += q.marketFee;
        e.protocolFeeAvailable += q.protocolFee;
        bool fromBalance = e.dtBalance >= dtAmount;
        if (fromBalance) e.dtBalance -= dtAmount;
        else if (!e.withMint) revert ExchangeNotEnoughDatatokens(id, dtAmount, e.dtBalance);
        emit Swapped(
            id, msg.sender, true, dtAmount, q.baseTokenAmount, q.protocolFee, q.marketFee, q.consumeMarketFee, consumeMarketAddress
        );

        IERC20 bt = IERC20(e.baseToken);
        bt.safeTransferFrom(msg.sender, address(this), q.baseTokenAmount - q.consumeMarketFee);
        if (q.consumeMarketFee != 0) bt.safeTransferFrom(msg.sender, consumeMarketAddress, q.consumeMarketFee);
        if (fromBalance) IERC20(e.datatoken).safeTransfer(msg.sender, dtAmount);
        else IDatatoken(e.datatoken).mint(msg.sender, dtAmount);
    }

    /// @inheritdoc IFixedRateExchange
    function sellDT(
        bytes32 id,
        uint256 dtAmount,
        uint256 minBaseTokenAmount,
        address consumeMarketAddress,
        uint256 consumeMarketFee
    ) external nonReentrant returns (Quote memory q) {
        Exchange storage e = _get(id);
        _checkSwap(id, e, dtAmount);
        if (consumeMarketAddress == address(0)) consumeMarketFee = 0;
        q = calcBaseOutGivenInDT(id, dtAmount, consumeMarketFee);
        if (q.baseTokenAmount < minBaseTokenAmount) revert ExchangeSlippage(q.baseTokenAmount, minBaseTokenAmount);
        if (q.baseNoFee > e.btBalance) revert ExchangeNotEnoughBaseTokens(id, q.baseNoFee, e.btBalance);

        // The seller's gross comes out of the publisher's base balance; fees out of the gross.
        e.btBalance -= q.baseNoFee;
        e.marketFeeAvailable += q.marketFee;
        e.protocolFeeAvailable += q.protocolFee;
        e.dtBalance += dtAmount;
        emit Swapped(
            id, msg.sender, false, dtAmount, q.baseTokenAmount, q.protocolFee, q.marketFee, q.consumeMarketFee, consumeMarketAddress
        );

        IERC20(e.datatoken).safeTransferFrom(msg.sender, address(this), dtAmount);
        IERC20 bt = IERC20(e.baseToken);
        bt.safeTransfer(msg.sender, q.baseTokenAmount);
        if (q.consumeMarketFee != 0) bt.safeTransfer(consumeMarketAddress, q.consumeMarketFee);
    }

    /// @inheritdoc IFixedRateExchange
    function depositDT(bytes32 id, uint256 amount) external nonReentrant {
        Exchange storage e = _get(id);
        if (amount == 0) revert ExchangeZeroAmount();
        e.dtBalance += amount;
        emit DatatokenDeposited(id, msg.sender, amount);
        IERC20(e.datatoken).safeTransferFrom(msg.sender, address(this), amount);
    }

    // ---------------------------------------------------------------- collection (anyone)

    /// @inheritdoc IFixedRateExchange
    function collectBT(bytes32 id, uint256 amount) external nonReentrant {
        Exchange storage e = _get(id);
        if (amount > e.btBalance) revert ExchangeNotEnoughBaseTokens(id, amount, e.btBalance);
        e.btBalance -= amount;
        address to = IDatatoken(e.datatoken).paymentCollector();
        emit BaseTokenCollected(id, to, amount);
        IERC20(e.baseToken).safeTransfer(to, amount);
    }

    /// @inheritdoc IFixedRateExchange
    function collectDT(bytes32 id, uint256 amount) external nonReentrant {
        Exchange storage e = _get(id);
        if (amount > e.dtBalance) revert ExchangeNotEnoughDatatokens(id, amount, e.dtBalance);
        e.dtBalance -= amount;
        address to = IDatatoken(e.datatoken).paymentCollector();
        emit DatatokenCollected(id, to, amount);
        IERC20(e.datatoken).safeTransfer(to, amount);
    }

    /// @inheritdoc IFixedRateExchange
    function collectMarketFee(bytes32 id) external nonReentrant {
        Exchange storage e = _get(id);
        uint256 amount = e.marketFeeAvailable;
        e.marketFeeAvailable = 0;
        emit MarketFeeCollected(id, e.marketFeeCollector, amount);
        if (amount != 0) IERC20(e.baseToken).safeTransfer(e.marketFeeCollector, amount);
    }

    /// @inheritdoc IFixedRateExchange
    function collectProtocolFee(bytes32 id) external nonReentrant {
        Exchange storage e = _get(id);
        uint256 amount = e.protocolFeeAvailable;
        e.protocolFeeAvailable = 0;
        address to = _factory.protocolFeeCollector();
        emit ProtocolFeeCollected(id, to, amount);
        if (amount != 0) IERC20(e.baseToken).safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- owner side

    function _owned(bytes32 id) private view returns (Exchange storage e) {
        e = _get(id);
        if (!IDatatoken(e.datatoken).isDeployer(msg.sender)) revert ExchangeNotDeployer(id, msg.sender);
    }

    /// @inheritdoc IFixedRateExchange
    function setRate(bytes32 id, uint256 newRate) external {
        Exchange storage e = _owned(id);
        if (newRate < MIN_RATE) revert ExchangeRateTooLow(newRate, MIN_RATE);
        e.fixedRate = newRate;
        emit RateChanged(id, msg.sender, newRate);
    }

    /// @inheritdoc IFixedRateExchange
    function setActive(bytes32 id, bool active) external {
        Exchange storage e = _owned(id);
        e.active = active;
        emit ExchangeStateChanged(id, msg.sender, active);
    }

    /// @inheritdoc IFixedRateExchange
    function setMintState(bytes32 id, bool withMint) external {
        Exchange storage e = _owned(id);
        e.withMint = withMint;
        emit MintStateChanged(id, msg.sender, withMint);
    }

    /// @inheritdoc IFixedRateExchange
    function setAllowedSwapper(bytes32 id, address swapper) external {
        Exchange storage e = _owned(id);
        e.allowedSwapper = swapper;
        emit AllowedSwapperChanged(id, swapper);
    }

    /// @inheritdoc IFixedRateExchange
    function updateMarketFee(bytes32 id, uint256 marketFee, address collector) external {
        Exchange storage e = _get(id);
        // The market-fee collector changes its fee (Ocean); with none set, the owner side may set one.
        bool allowed = e.marketFeeCollector == address(0)
            ? IDatatoken(e.datatoken).isDeployer(msg.sender)
            : msg.sender == e.marketFeeCollector;
        if (!allowed) revert ExchangeNotDeployer(id, msg.sender);
        _checkFee(marketFee);
        if (collector == address(0)) revert ExchangeZeroAddress("marketFeeCollector");
        e.marketFee = marketFee;
        e.marketFeeCollector = collector;
        emit MarketFeeChanged(id, msg.sender, marketFee, collector);
    }
}
