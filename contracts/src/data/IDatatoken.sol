// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDatatoken
/// @notice ERC-20 access tokens under a data NFT (Ocean v4's ERC20 templates). Holding 1 DT lets
///         a consumer start an order: `startOrder` burns 1 DT from the payer (Ocean's enterprise
///         template; no custody) and pays Ocean's three absolute fees from the payer:
///           - publish-market fee (set at creation by the publish market),
///           - consume-market fee (chosen by the consumer's market per order),
///           - provider fee, from a quote signed by the provider.
///         The quote's `validity` is a duration counted from the order's inclusion
///         (`validUntil = block.timestamp + validity`), not a wall time fixed at quote time: slow
///         confirmation cannot expire a paid order (Ocean provider#472/#498). Replay is stopped by
///         a short `quoteDeadline` (the latest inclusion time) and by using each quote once.
///
///         Roles: minters (mint up to `cap`), a payment collector (receives exchange revenue);
///         both managed by the NFT's owner or Deployers.
interface IDatatoken {
    /// @notice Creation parameters.
    /// @param cap Maximum supply (0: unlimited, i.e. type(uint256).max).
    /// @param minter First minter (zero: none besides `extraMinters`).
    /// @param paymentCollector Receives exchange revenue (zero: the NFT owner at creation).
    /// @param publishMarketFeeAddress Receives the publish-market order fee (zero: no fee).
    /// @param publishMarketFeeToken Token of that fee.
    /// @param publishMarketFeeAmount Absolute amount.
    struct DatatokenParams {
        string name;
        string symbol;
        uint256 cap;
        address minter;
        address paymentCollector;
        address publishMarketFeeAddress;
        address publishMarketFeeToken;
        uint256 publishMarketFeeAmount;
    }

    /// @notice A fee paid with an order: `amount` of `token` to `feeAddress` (skipped if any field is zero).
    struct Fee {
        address feeAddress;
        address token;
        uint256 amount;
    }

    /// @notice A provider's signed quote. The provider (`providerFeeAddress`) signs, with the
    ///         EIP-191 prefix, `providerFeeDigest(consumer, serviceIndex, fee)`, which binds the
    ///         chain, this datatoken, the consumer, the service, the fee, `keccak256(providerData)`,
    ///         `validity` and `quoteDeadline`.
    /// @param validity Seconds of access from the order's inclusion (0: never expires).
    /// @param quoteDeadline Latest `block.timestamp` at which the quote may be used.
    /// @param providerData Opaque provider data (environment, job terms).
    struct ProviderFee {
        address providerFeeAddress;
        address providerFeeToken;
        uint256 providerFeeAmount;
        uint64 validity;
        uint64 quoteDeadline;
        bytes providerData;
        bytes signature;
    }

    /// @notice A started order.
    struct Order {
        address consumer;
        address payer;
        address provider;
        uint32 serviceIndex;
        uint64 startedAt;
        uint64 validUntil;
    }

    /// @notice Order `orderId` spent 1 DT of `payer` for `consumer`; access lasts until `validUntil`.
    event OrderStarted(
        uint256 indexed orderId,
        address indexed consumer,
        address indexed payer,
        uint32 serviceIndex,
        address provider,
        uint64 validUntil,
        address publishMarketAddress
    );
    /// @notice Order `orderId` was extended with a new provider fee.
    event OrderReused(uint256 indexed orderId, address indexed payer, uint64 validUntil);
    /// @notice The publish-market fee of an order was paid.
    event PublishMarketFeePaid(uint256 indexed orderId, address indexed feeAddress, address token, uint256 amount);
    /// @notice The consume-market fee of an order was paid.
    event ConsumeMarketFeePaid(uint256 indexed orderId, address indexed feeAddress, address token, uint256 amount);
    /// @notice The provider fee of an order was paid.
    event ProviderFeePaid(
        uint256 indexed orderId, address indexed provider, address token, uint256 amount, bytes providerData
    );
    /// @notice `account` became (`enabled`) or stopped being a minter.
    event MinterSet(address indexed account, bool enabled, address indexed sender);
    /// @notice The payment collector changed.
    event PaymentCollectorSet(address indexed collector, address indexed sender);
    /// @notice The publish-market fee changed.
    event PublishMarketFeeSet(address indexed feeAddress, address token, uint256 amount);

    /// @notice Already initialized.
    error DatatokenAlreadyInitialized();
    /// @notice `caller` is not the NFT's owner or a Deployer.
    error DatatokenNotDeployer(address caller);
    /// @notice `caller` is not a minter.
    error DatatokenNotMinter(address caller);
    /// @notice `caller` is not the NFT contract.
    error DatatokenNotNFT(address caller);
    /// @notice `caller` is not the publish-market fee address.
    error DatatokenNotPublishMarket(address caller);
    /// @notice Minting `amount` would exceed the cap.
    error DatatokenCapExceeded(uint256 supply, uint256 amount, uint256 cap);
    /// @notice The NFT's metadata state does not allow orders.
    error DatatokenOrderingDisabled(uint8 state);
    /// @notice The provider quote's signature is not `providerFeeAddress`'s.
    error DatatokenBadProviderSignature(address providerFeeAddress, address recovered);
    /// @notice The quote was used after its deadline.
    error DatatokenQuoteExpired(uint64 quoteDeadline, uint256 now_);
    /// @notice The quote was already used.
    error DatatokenQuoteUsed(bytes32 digest);
    /// @notice The provider fee address is zero.
    error DatatokenZeroProvider();
    /// @notice The consumer is the zero address.
    error DatatokenZeroConsumer();
    /// @notice No such order.
    error DatatokenUnknownOrder(uint256 orderId);
    /// @notice A reuse quote from another provider than the order's.
    error DatatokenProviderMismatch(address expected, address actual);

    /// @notice Called once by the factory on the clone.
    function initialize(address nft_, DatatokenParams calldata p, address[] calldata extraMinters) external;

    /// @notice The data NFT this datatoken belongs to.
    function nft() external view returns (address);
    /// @notice Maximum supply.
    function cap() external view returns (uint256);
    /// @notice Receives exchange revenue.
    function paymentCollector() external view returns (address);
    /// @notice The publish-market fee charged per order.
    function publishMarketFee() external view returns (Fee memory);
    /// @notice Whether `account` may mint.
    function isMinter(address account) external view returns (bool);
    /// @notice Whether `account` is the NFT's owner or a Deployer on it (manages this token and its pricing).
    function isDeployer(address account) external view returns (bool);

    /// @notice Mints `amount` to `to`. Only minters; at most `cap` in total.
    function mint(address to, uint256 amount) external;
    /// @notice Adds or removes a minter. Only the NFT's owner or a Deployer.
    function setMinter(address account, bool enabled) external;
    /// @notice Sets the payment collector (zero: the NFT owner). Only the NFT's owner or a Deployer.
    function setPaymentCollector(address collector) external;
    /// @notice Changes the publish-market fee. Only the current publish-market fee address.
    function setPublishMarketFee(Fee calldata fee) external;
    /// @notice Wipes minters and resets the payment collector to `newOwner`. Only the NFT (on transfer).
    function cleanPermissions(address newOwner) external;

    /// @notice What the provider signs (before the EIP-191 prefix) for this consumer and service.
    function providerFeeDigest(address consumer, uint32 serviceIndex, ProviderFee calldata fee)
        external
        view
        returns (bytes32);

    /// @notice Spends 1 DT of the caller for `consumer` on service `serviceIndex`, paying the
    ///         publish-market fee, `consumeMarketFee` and the provider fee from the caller
    ///         (approve them first). Refused if the NFT's state disables ordering.
    /// @return orderId Sequential per datatoken, from 1.
    function startOrder(address consumer, uint32 serviceIndex, ProviderFee calldata providerFee, Fee calldata consumeMarketFee)
        external
        returns (uint256 orderId);

    /// @notice Extends order `orderId` with a new quote from the same provider (re-pays only the
    ///         provider fee; no DT): `validUntil = block.timestamp + validity`.
    function reuseOrder(uint256 orderId, ProviderFee calldata providerFee) external;

    /// @notice Order `orderId`.
    function getOrder(uint256 orderId) external view returns (Order memory);
    /// @notice Number of orders started.
    function orderCount() external view returns (uint256);
    /// @notice The latest order of `consumer` for `serviceIndex` (0: none).
    function latestOrder(address consumer, uint32 serviceIndex) external view returns (uint256);
    /// @notice Whether `consumer`'s latest order for `serviceIndex` is still valid now.
    function hasValidOrder(address consumer, uint32 serviceIndex) external view returns (bool);
}
