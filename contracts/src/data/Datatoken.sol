// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IDataNFT} from "./IDataNFT.sol";
import {IDatatoken} from "./IDatatoken.sol";

/// @title Datatoken
/// @notice Template cloned (EIP-1167) under a DataNFT. See IDatatoken for the order and fee rules.
contract Datatoken is ERC20, ReentrancyGuardTransient, IDatatoken {
    using SafeERC20 for IERC20;

    uint256 private constant ONE = 1e18;

    bool private _initialized;
    address private _nft;
    string private _name;
    string private _symbol;
    uint256 private _cap;
    address private _paymentCollector;
    Fee private _publishFee;
    /// Minters are keyed by epoch so that cleanPermissions wipes them at once.
    uint256 private _minterEpoch;
    mapping(uint256 epoch => mapping(address account => bool)) private _minters;
    /// Orders packed in two slots, three when a third party paid (the payer is kept only then).
    struct StoredOrder {
        address consumer;
        uint64 validUntil;
        uint32 serviceIndex;
        address provider;
        uint64 startedAt;
        address payer;
    }

    StoredOrder[] private _orders;
    mapping(address consumer => mapping(uint32 serviceIndex => uint256 orderId)) private _latest;
    mapping(bytes32 digest => bool) private _usedQuotes;

    constructor() ERC20("", "") {
        _initialized = true;
    }

    /// @inheritdoc IDatatoken
    function initialize(address nft_, DatatokenParams calldata p, address[] calldata extraMinters) external {
        if (_initialized) revert DatatokenAlreadyInitialized();
        _initialized = true;
        _nft = nft_;
        _name = p.name;
        _symbol = p.symbol;
        _cap = p.cap == 0 ? type(uint256).max : p.cap;
        _paymentCollector = p.paymentCollector;
        _publishFee = Fee(p.publishMarketFeeAddress, p.publishMarketFeeToken, p.publishMarketFeeAmount);
        if (p.minter != address(0)) _minters[0][p.minter] = true;
        for (uint256 i; i < extraMinters.length; ++i) {
            _minters[0][extraMinters[i]] = true;
        }
    }

    // ---------------------------------------------------------------- views

    function name() public view override returns (string memory) {
        return _name;
    }

    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IDatatoken
    function nft() external view returns (address) {
        return _nft;
    }

    /// @inheritdoc IDatatoken
    function cap() external view returns (uint256) {
        return _cap;
    }

    /// @inheritdoc IDatatoken
    function paymentCollector() public view returns (address) {
        return _paymentCollector == address(0) ? IDataNFT(_nft).owner() : _paymentCollector;
    }

    /// @inheritdoc IDatatoken
    function publishMarketFee() external view returns (Fee memory) {
        return _publishFee;
    }

    /// @inheritdoc IDatatoken
    function isMinter(address account) public view returns (bool) {
        return _minters[_minterEpoch][account];
    }

    /// @inheritdoc IDatatoken
    function isDeployer(address account) public view returns (bool) {
        return IDataNFT(_nft).hasDataRole(IDataNFT.Role.Deployer, account);
    }

    /// @inheritdoc IDatatoken
    function getOrder(uint256 orderId) public view returns (Order memory) {
        StoredOrder storage o = _orders[_orderIndex(orderId)];
        return Order({
            consumer: o.consumer,
            payer: o.payer == address(0) ? o.consumer : o.payer,
            provider: o.provider,
            serviceIndex: o.serviceIndex,
            startedAt: o.startedAt,
            validUntil: o.validUntil
        });
    }

    /// @inheritdoc IDatatoken
    function orderCount() external view returns (uint256) {
        return _orders.length;
    }

    /// @inheritdoc IDatatoken
    function latestOrder(address consumer, uint32 serviceIndex) external view returns (uint256) {
        return _latest[consumer][serviceIndex];
    }

    /// @inheritdoc IDatatoken
    function hasValidOrder(address consumer, uint32 serviceIndex) external view returns (bool) {
        uint256 id = _latest[consumer][serviceIndex];
        return id != 0 && block.timestamp <= _orders[id - 1].validUntil;
    }

    /// @inheritdoc IDatatoken
    function providerFeeDigest(address consumer, uint32 serviceIndex, ProviderFee calldata fee)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                block.chainid,
                address(this),
                consumer,
                serviceIndex,
                fee.providerFeeAddress,
                fee.providerFeeToken,
                fee.providerFeeAmount,
                fee.validity,
                fee.quoteDeadline,
                keccak256(fee.providerData)
            )
        );
    }

    // ---------------------------------------------------------------- roles

    modifier onlyDeployer() {
        if (!isDeployer(msg.sender)) revert DatatokenNotDeployer(msg.sender);
        _;
    }

    /// @inheritdoc IDatatoken
    function mint(address to, uint256 amount) external {
        if (!isMinter(msg.sender)) revert DatatokenNotMinter(msg.sender);
        uint256 supply = totalSupply();
        if (amount > _cap - supply) revert DatatokenCapExceeded(supply, amount, _cap);
        _mint(to, amount);
    }

    /// @inheritdoc IDatatoken
    function setMinter(address account, bool enabled) external onlyDeployer {
        _minters[_minterEpoch][account] = enabled;
        emit MinterSet(account, enabled, msg.sender);
    }

    /// @inheritdoc IDatatoken
    function setPaymentCollector(address collector) external onlyDeployer {
        _paymentCollector = collector;
        emit PaymentCollectorSet(collector, msg.sender);
    }

    /// @inheritdoc IDatatoken
    function setPublishMarketFee(Fee calldata fee) external {
        if (msg.sender != _publishFee.feeAddress) revert DatatokenNotPublishMarket(msg.sender);
        _publishFee = fee;
        emit PublishMarketFeeSet(fee.feeAddress, fee.token, fee.amount);
    }

    /// @inheritdoc IDatatoken
    function cleanPermissions(address newOwner) external {
        if (msg.sender != _nft) revert DatatokenNotNFT(msg.sender);
        unchecked {
            ++_minterEpoch; // bounded by the number of NFT transfers
        }
        _paymentCollector = newOwner;
        emit PaymentCollectorSet(newOwner, msg.sender);
    }

    // ---------------------------------------------------------------- orders

    /// @inheritdoc IDatatoken
    function startOrder(address consumer, uint32 serviceIndex, ProviderFee calldata providerFee, Fee calldata consumeMarketFee)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        if (consumer == address(0)) revert DatatokenZeroConsumer();
        uint8 state = IDataNFT(_nft).metadataState();
        // Ocean: 1 end-of-life, 2 deprecated, 3 revoked, 4 ordering disabled; 0 and 5 are orderable.
        if (state >= 1 && state <= 4) revert DatatokenOrderingDisabled(state);
        uint64 validUntil = _checkQuote(consumer, serviceIndex, providerFee);

        _orders.push(
            StoredOrder({
                consumer: consumer,
                validUntil: validUntil,
                serviceIndex: serviceIndex,
                provider: providerFee.providerFeeAddress,
                startedAt: uint64(block.timestamp),
                payer: msg.sender == consumer ? address(0) : msg.sender
            })
        );
        orderId = _orders.length;
        _latest[consumer][serviceIndex] = orderId;
        // The 1 DT is burned (Ocean's enterprise template): no custody, supply shrinks by one.
        _burn(msg.sender, ONE);
        Fee memory pub = _publishFee;
        emit OrderStarted(orderId, consumer, msg.sender, serviceIndex, providerFee.providerFeeAddress, validUntil, pub.feeAddress);

        if (pub.feeAddress != address(0) && pub.token != address(0) && pub.amount != 0) {
            IERC20(pub.token).safeTransferFrom(msg.sender, pub.feeAddress, pub.amount);
            emit PublishMarketFeePaid(orderId, pub.feeAddress, pub.token, pub.amount);
        }
        if (
            consumeMarketFee.feeAddress != address(0) && consumeMarketFee.token != address(0)
                && consumeMarketFee.amount != 0
        ) {
            IERC20(consumeMarketFee.token).safeTransferFrom(msg.sender, consumeMarketFee.feeAddress, consumeMarketFee.amount);
            emit ConsumeMarketFeePaid(orderId, consumeMarketFee.feeAddress, consumeMarketFee.token, consumeMarketFee.amount);
        }
        _payProvider(orderId, providerFee);
    }

    /// @inheritdoc IDatatoken
    function reuseOrder(uint256 orderId, ProviderFee calldata providerFee) external nonReentrant {
        StoredOrder storage o = _orders[_orderIndex(orderId)];
        if (providerFee.providerFeeAddress != o.provider) {
            revert DatatokenProviderMismatch(o.provider, providerFee.providerFeeAddress);
        }
        uint64 validUntil = _checkQuote(o.consumer, o.serviceIndex, providerFee);
        o.validUntil = validUntil;
        emit OrderReused(orderId, msg.sender, validUntil);
        _payProvider(orderId, providerFee);
    }

    function _orderIndex(uint256 orderId) private view returns (uint256) {
        if (orderId == 0 || orderId > _orders.length) revert DatatokenUnknownOrder(orderId);
        return orderId - 1;
    }

    /// Checks the quote's signer, deadline and single use; returns the order's expiry, counted from now.
    function _checkQuote(address consumer, uint32 serviceIndex, ProviderFee calldata fee) private returns (uint64) {
        if (fee.providerFeeAddress == address(0)) revert DatatokenZeroProvider();
        if (block.timestamp > fee.quoteDeadline) revert DatatokenQuoteExpired(fee.quoteDeadline, block.timestamp);
        bytes32 digest = providerFeeDigest(consumer, serviceIndex, fee);
        if (_usedQuotes[digest]) revert DatatokenQuoteUsed(digest);
        (address recovered,,) = ECDSA.tryRecover(MessageHashUtils.toEthSignedMessageHash(digest), fee.signature);
        if (recovered != fee.providerFeeAddress) {
            revert DatatokenBadProviderSignature(fee.providerFeeAddress, recovered);
        }
        _usedQuotes[digest] = true;
        if (fee.validity == 0) return type(uint64).max;
        uint256 until = block.timestamp + fee.validity;
        // casting to 'uint64' is safe because the branch checked the bound
        // forge-lint: disable-next-line(unsafe-typecast)
        return until > type(uint64).max ? type(uint64).max : uint64(until);
    }

    function _payProvider(uint256 orderId, ProviderFee calldata fee) private {
        if (fee.providerFeeToken != address(0) && fee.providerFeeAmount != 0) {
            IERC20(fee.providerFeeToken).safeTransferFrom(msg.sender, fee.providerFeeAddress, fee.providerFeeAmount);
            emit ProviderFeePaid(orderId, fee.providerFeeAddress, fee.providerFeeToken, fee.providerFeeAmount, fee.providerData);
        }
    }
}
