// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {ComputeMarket} from "../../src/market/ComputeMarket.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {ProviderRegistry} from "../../src/registry/ProviderRegistry.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice Deploys the protocol the way production does (token -> params -> staking -> registry
///         -> market; the market holds SLASHER_ROLE and LOCKER_ROLE; NOOS listed as a payment token) and gives
///         tests short helpers to open orders, bid, lease and sign receipts.
abstract contract MarketFixture is Test {
    bytes32 internal constant PROVIDER_ROLE = keccak256("PROVIDER");
    uint16 internal constant BPS = 10_000;

    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;
    uint128 internal constant MIN_ORDER_DEPOSIT = 1 ether;
    uint128 internal constant MIN_BID_DEPOSIT = 5 ether;
    uint256 internal constant PROVIDER_STAKE = 1_000 ether;
    uint256 internal constant TENANT_FUNDS = 1_000_000 ether;
    uint256 internal constant PROVIDER_FUNDS = 10_000 ether;
    uint256 internal constant START_TIME = 1_700_000_000;

    // Order defaults.
    uint256 internal constant MAX_PRICE = 1e15; // NOOS wei per second
    uint256 internal constant DEPOSIT = 100 ether; // 100_000 s at MAX_PRICE
    uint256 internal constant BID_DEPOSIT = MIN_BID_DEPOSIT;
    uint32 internal constant BID_WINDOW = 1 hours;
    uint16 internal constant MAX_BIDS = 5;
    uint32 internal constant JOB_TIMEOUT = 1 hours;
    string internal constant MANIFEST_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    bytes32 internal constant MANIFEST_HASH = keccak256("manifest: sdl v2, 1 gpu");
    string internal constant RESULT_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    bytes32 internal constant RESULT_HASH = keccak256("result bytes");

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;
    ProviderRegistry internal registry;
    ComputeMarket internal market;

    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal tenant = makeAddr("tenant");
    address internal tenant2 = makeAddr("tenant2");
    address internal keeper = makeAddr("keeper");
    address internal stranger = makeAddr("stranger");
    address internal auditor1 = makeAddr("auditor1");
    address internal auditor2 = makeAddr("auditor2");

    // Providers have keys so they can sign EIP-712 receipts.
    address internal provider1;
    uint256 internal provider1Key;
    /// @dev abi.encode(placement) of each order opened by _createOrder with placement requirements.
    mapping(uint256 orderId => bytes) internal orderPlacement;
    address internal provider2;
    uint256 internal provider2Key;
    address internal provider3;
    uint256 internal provider3Key;

    function setUp() public virtual {
        vm.warp(START_TIME);
        (provider1, provider1Key) = makeAddrAndKey("provider1");
        (provider2, provider2Key) = makeAddrAndKey("provider2");
        (provider3, provider3Key) = makeAddrAndKey("provider3");
        _deployProtocol();

        _fund(tenant, TENANT_FUNDS);
        _fund(tenant2, TENANT_FUNDS);
        _fund(keeper, TENANT_FUNDS);
        _fund(stranger, TENANT_FUNDS);

        // provider1: EU, NVIDIA A100; provider2: US, NVIDIA H100; provider3: EU, AMD MI300.
        _registerProvider(
            provider1, _attrs3("region", "eu", "gpu/vendor/nvidia/model/a100", "true", "tier", "community")
        );
        _registerProvider(provider2, _attrs2("region", "us", "gpu/vendor/nvidia/model/h100", "true"));
        _registerProvider(provider3, _attrs2("region", "eu", "gpu/vendor/amd/model/mi300", "true"));
    }

    // ------------------------------------------------------------ deployment

    function _deployProtocol() internal {
        token = new NoosToken(owner, treasury, INITIAL_SUPPLY);
        params = new ProtocolParams(owner, treasury);
        staking = new Staking(token, params, owner);
        registry = new ProviderRegistry(staking, params);
        market = new ComputeMarket(params, registry, staking);

        vm.startPrank(owner);
        staking.grantRole(staking.SLASHER_ROLE(), address(market));
        staking.grantRole(staking.LOCKER_ROLE(), address(market));
        params.setPaymentToken(address(token), true, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        vm.stopPrank();

        vm.label(address(token), "NOOS");
        vm.label(address(params), "ProtocolParams");
        vm.label(address(staking), "Staking");
        vm.label(address(registry), "ProviderRegistry");
        vm.label(address(market), "ComputeMarket");
    }

    /// @dev Sends `amount` NOOS from the treasury (holder of the initial supply) and approves the
    ///      market and staking for everything.
    function _fund(address who, uint256 amount) internal {
        vm.prank(treasury);
        assertTrue(token.transfer(who, amount));
        vm.startPrank(who);
        token.approve(address(market), type(uint256).max);
        token.approve(address(staking), type(uint256).max);
        vm.stopPrank();
    }

    /// @dev Funds, stakes PROVIDER_STAKE in the provider role and registers `who`.
    function _registerProvider(address who, IProviderRegistry.Attribute[] memory attributes) internal {
        _fund(who, PROVIDER_FUNDS + PROVIDER_STAKE);
        vm.startPrank(who);
        staking.stake(PROVIDER_ROLE, PROVIDER_STAKE);
        registry.register(string.concat("https://", vm.toString(who), ".provider.noos"), attributes);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ attributes

    function _attr(string memory key, string memory value) internal pure returns (IProviderRegistry.Attribute memory) {
        return IProviderRegistry.Attribute(key, value);
    }

    function _attrs1(string memory k0, string memory v0)
        internal
        pure
        returns (IProviderRegistry.Attribute[] memory a)
    {
        a = new IProviderRegistry.Attribute[](1);
        a[0] = _attr(k0, v0);
    }

    function _attrs2(string memory k0, string memory v0, string memory k1, string memory v1)
        internal
        pure
        returns (IProviderRegistry.Attribute[] memory a)
    {
        a = new IProviderRegistry.Attribute[](2);
        a[0] = _attr(k0, v0);
        a[1] = _attr(k1, v1);
    }

    function _attrs3(
        string memory k0,
        string memory v0,
        string memory k1,
        string memory v1,
        string memory k2,
        string memory v2
    ) internal pure returns (IProviderRegistry.Attribute[] memory a) {
        a = new IProviderRegistry.Attribute[](3);
        a[0] = _attr(k0, v0);
        a[1] = _attr(k1, v1);
        a[2] = _attr(k2, v2);
    }

    function _addresses(address a0) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a0;
    }

    function _addresses(address a0, address a1) internal pure returns (address[] memory list) {
        list = new address[](2);
        list[0] = a0;
        list[1] = a1;
    }

    // ------------------------------------------------------------ orders

    /// @dev A service order (jobTimeout 0) with the default price, deposit, window and no placement.
    function _serviceParams() internal view returns (IComputeMarket.OrderParams memory p) {
        p.manifestCid = MANIFEST_CID;
        p.manifestHash = MANIFEST_HASH;
        p.resources =
            IComputeMarket.Resources({cpuMillis: 4_000, memoryBytes: 16 << 30, storageBytes: 100 << 30, gpus: 1});
        p.token = address(token);
        p.maxPricePerSecond = MAX_PRICE;
        p.deposit = DEPOSIT;
        p.bidWindow = BID_WINDOW;
        p.maxBids = MAX_BIDS;
    }

    /// @dev A batch order due JOB_TIMEOUT seconds after its lease starts.
    function _batchParams() internal view returns (IComputeMarket.OrderParams memory p) {
        p = _serviceParams();
        p.jobTimeout = JOB_TIMEOUT;
    }

    function _createOrder(address who, IComputeMarket.OrderParams memory p) internal returns (uint256 orderId) {
        vm.prank(who);
        orderId = market.createOrder(p);
        if (p.placement.attributes.length + p.placement.allOf.length + p.placement.anyOf.length != 0) {
            orderPlacement[orderId] = abi.encode(p.placement);
        }
    }

    /// @dev The placement an order was opened with (as a bidder reads it from OrderCreated).
    function _placementOf(uint256 orderId) internal view returns (IProviderRegistry.Placement memory placement) {
        if (orderPlacement[orderId].length != 0) {
            placement = abi.decode(orderPlacement[orderId], (IProviderRegistry.Placement));
        }
    }

    function _openServiceOrder() internal returns (uint256) {
        return _createOrder(tenant, _serviceParams());
    }

    function _openBatchOrder() internal returns (uint256) {
        return _createOrder(tenant, _batchParams());
    }

    function _bid(address provider, uint256 orderId, uint256 price) internal returns (uint256) {
        return _bid(provider, orderId, price, BID_DEPOSIT);
    }

    function _bid(address provider, uint256 orderId, uint256 price, uint256 bidDeposit) internal returns (uint256) {
        vm.prank(provider);
        if (orderPlacement[orderId].length == 0) return market.createBid(orderId, price, bidDeposit);
        return market.createBid(orderId, price, bidDeposit, _placementOf(orderId));
    }

    function _accept(uint256 orderId, uint256 bidIndex) internal returns (uint256) {
        vm.prank(market.getOrder(orderId).tenant);
        return market.acceptBid(orderId, bidIndex);
    }

    /// @dev Opens `p` as `tenant`, has provider1 bid `price` and accepts it.
    function _lease(IComputeMarket.OrderParams memory p, uint256 price) internal returns (uint256 leaseId) {
        uint256 orderId = _createOrder(tenant, p);
        uint256 bidIndex = _bid(provider1, orderId, price);
        leaseId = _accept(orderId, bidIndex);
    }

    function _serviceLease(uint256 price) internal returns (uint256) {
        return _lease(_serviceParams(), price);
    }

    function _batchLease(uint256 price) internal returns (uint256) {
        return _lease(_batchParams(), price);
    }

    // ------------------------------------------------------------ results

    function _signReceipt(uint256 key, uint256 leaseId, bytes32 resultHash, string memory resultCid)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, market.receiptDigest(leaseId, resultHash, resultCid));
        return abi.encodePacked(r, s, v);
    }

    function _submit(uint256 leaseId) internal {
        vm.prank(market.getLease(leaseId).provider);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, "");
    }

    // ------------------------------------------------------------ math

    function _fee(uint256 gross, uint256 takeRateBps) internal pure returns (uint256) {
        return gross * takeRateBps / BPS;
    }

    function _net(uint256 gross, uint256 takeRateBps) internal pure returns (uint256) {
        return gross - _fee(gross, takeRateBps);
    }
}
