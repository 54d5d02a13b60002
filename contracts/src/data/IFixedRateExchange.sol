// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IFixedRateExchange
/// @notice Buy and sell datatokens for a base token at a fixed rate (Ocean v4's FixedRateExchange).
///         One exchange per (baseToken, datatoken): `id = keccak256(abi.encode(baseToken, datatoken))`.
///
///         buyDT: `base = dt * rate / 1e18` (decimals adjusted); the buyer pays
///         `base + base*protocolFee + base*marketFee + base*consumeFee` (each / 1e18). `base` goes to
///         the exchange's base balance (publisher revenue, collected to the datatoken's payment
///         collector by anyone with `collectBT`); protocol and publish-market fees accrue and are
///         collected by anyone to their fixed recipients; the consume-market fee is paid at once.
///         Datatokens come from the exchange's DT balance, or are minted when `withMint` and the
///         exchange is a minter. sellDT is the mirror image with fees subtracted.
///
///         Accounting: base token held == sum(btBalance + marketFeeAvailable + protocolFeeAvailable);
///         datatoken held == sum(dtBalance) (per token).
interface IFixedRateExchange {
    /// @notice An exchange record.
    struct Exchange {
        bool active;
        bool withMint;
        address datatoken;
        address baseToken;
        uint8 dtDecimals;
        uint8 btDecimals;
        uint256 fixedRate;
        uint256 dtBalance;
        uint256 btBalance;
        uint256 marketFee;
        address marketFeeCollector;
        uint256 marketFeeAvailable;
        uint256 protocolFeeAvailable;
        address allowedSwapper;
    }

    /// @notice A quote for buying or selling `dtAmount`.
    struct Quote {
        uint256 baseTokenAmount;
        uint256 baseNoFee;
        uint256 protocolFee;
        uint256 marketFee;
        uint256 consumeMarketFee;
    }

    event ExchangeCreated(
        bytes32 indexed exchangeId, address indexed baseToken, address indexed datatoken, address creator, uint256 fixedRate
    );
    event Swapped(
        bytes32 indexed exchangeId,
        address indexed by,
        bool indexed buy,
        uint256 dtAmount,
        uint256 baseTokenAmount,
        uint256 protocolFee,
        uint256 marketFee,
        uint256 consumeMarketFee,
        address consumeMarketAddress
    );
    event RateChanged(bytes32 indexed exchangeId, address indexed by, uint256 newRate);
    event ExchangeStateChanged(bytes32 indexed exchangeId, address indexed by, bool active);
    event MintStateChanged(bytes32 indexed exchangeId, address indexed by, bool withMint);
    event AllowedSwapperChanged(bytes32 indexed exchangeId, address indexed allowedSwapper);
    event MarketFeeChanged(bytes32 indexed exchangeId, address indexed by, uint256 marketFee, address collector);
    event BaseTokenCollected(bytes32 indexed exchangeId, address indexed to, uint256 amount);
    event DatatokenCollected(bytes32 indexed exchangeId, address indexed to, uint256 amount);
    event MarketFeeCollected(bytes32 indexed exchangeId, address indexed to, uint256 amount);
    event ProtocolFeeCollected(bytes32 indexed exchangeId, address indexed to, uint256 amount);
    event DatatokenDeposited(bytes32 indexed exchangeId, address indexed from, uint256 amount);

    error ExchangeNotFactoryDatatoken(address datatoken);
    error ExchangeExists(bytes32 exchangeId);
    error ExchangeUnknown(bytes32 exchangeId);
    error ExchangeInactive(bytes32 exchangeId);
    error ExchangeNotDeployer(bytes32 exchangeId, address caller);
    error ExchangeNotAllowedSwapper(bytes32 exchangeId, address caller, address allowed);
    error ExchangeRateTooLow(uint256 rate, uint256 min);
    error ExchangeFeeOutOfRange(uint256 fee, uint256 min, uint256 max);
    error ExchangeZeroAmount();
    error ExchangeZeroAddress(bytes32 field);
    error ExchangeSlippage(uint256 baseTokenAmount, uint256 limit);
    error ExchangeNotEnoughDatatokens(bytes32 exchangeId, uint256 needed, uint256 available);
    error ExchangeNotEnoughBaseTokens(bytes32 exchangeId, uint256 needed, uint256 available);
    error ExchangeBadDecimals(uint8 decimals);
    /// @notice A sale whose fees (market + consume-market + protocol) exceed its gross proceeds.
    error ExchangeFeesAboveProceeds(uint256 fees, uint256 proceeds);

    /// @notice Smallest nonzero fee (0.01%) and largest (50%), 1e18 = 100%; smallest rate.
    function MIN_FEE() external view returns (uint256);
    function MAX_FEE() external view returns (uint256);
    function MIN_RATE() external view returns (uint256);
    /// @notice The data NFT factory (datatoken provenance, protocol fee settings).
    function factory() external view returns (address);
    /// @notice keccak256(abi.encode(baseToken, datatoken)).
    function exchangeId(address baseToken, address datatoken) external pure returns (bytes32);

    /// @notice Creates an exchange. Caller: the datatoken's NFT owner or a Deployer, or the factory.
    function createExchange(
        address datatoken,
        address baseToken,
        uint256 fixedRate,
        uint256 marketFee,
        address marketFeeCollector,
        bool withMint,
        address allowedSwapper
    ) external returns (bytes32 id);

    /// @notice Price of buying `dtAmount` with consume-market fee `consumeMarketFee`.
    function calcBaseInGivenOutDT(bytes32 id, uint256 dtAmount, uint256 consumeMarketFee)
        external
        view
        returns (Quote memory);
    /// @notice Proceeds of selling `dtAmount` with consume-market fee `consumeMarketFee`.
    function calcBaseOutGivenInDT(bytes32 id, uint256 dtAmount, uint256 consumeMarketFee)
        external
        view
        returns (Quote memory);
    /// @notice The exchange record.
    function getExchange(bytes32 id) external view returns (Exchange memory);
    /// @notice Whether `id` exists.
    function exists(bytes32 id) external view returns (bool);

    /// @notice Buys `dtAmount`, paying at most `maxBaseTokenAmount` (approve the base token first).
    function buyDT(
        bytes32 id,
        uint256 dtAmount,
        uint256 maxBaseTokenAmount,
        address consumeMarketAddress,
        uint256 consumeMarketFee
    ) external returns (Quote memory);
    /// @notice Sells `dtAmount`, receiving at least `minBaseTokenAmount` (approve the datatoken first).
    function sellDT(
        bytes32 id,
        uint256 dtAmount,
        uint256 minBaseTokenAmount,
        address consumeMarketAddress,
        uint256 consumeMarketFee
    ) external returns (Quote memory);
    /// @notice Adds datatokens to the exchange's DT balance (approve first). Anyone.
    function depositDT(bytes32 id, uint256 amount) external;

    /// @notice Sends `amount` of the base balance to the datatoken's payment collector. Anyone.
    function collectBT(bytes32 id, uint256 amount) external;
    /// @notice Sends `amount` of the DT balance to the datatoken's payment collector. Anyone.
    function collectDT(bytes32 id, uint256 amount) external;
    /// @notice Pays the accrued publish-market fee to its collector. Anyone.
    function collectMarketFee(bytes32 id) external;
    /// @notice Pays the accrued protocol fee to the factory's collector. Anyone.
    function collectProtocolFee(bytes32 id) external;

    /// @notice Owner side (NFT owner or Deployer): rate, on/off, mint, swapper, market fee.
    function setRate(bytes32 id, uint256 newRate) external;
    function setActive(bytes32 id, bool active) external;
    function setMintState(bytes32 id, bool withMint) external;
    function setAllowedSwapper(bytes32 id, address swapper) external;
    /// @notice Only the market-fee collector may change the market fee (Ocean).
    function updateMarketFee(bytes32 id, uint256 marketFee, address collector) external;
}
