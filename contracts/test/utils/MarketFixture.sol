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
///         tests short helpers to fund market balances, open orders (with or without placement), bid,
///         lease, sign permits and receipts. Wallets approve the market for everything, so an order
///         opened by a tenant with no market balance is paid from its allowance.
abstract contract MarketFixture is Test {
    bytes32 internal constant PROVIDER_ROLE = keccak256("PROVIDER");
    uint16 internal constant BPS = 10_000;

    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;
    uint128 internal constant MIN_ORDER_DEPOSIT = 1 ether;
    /// @dev Still a ProtocolParams argument; the lean market takes no bid deposit.
    uint128 internal constant MIN_BID_DEPOSIT = 5 ether;
    uint256 internal constant PROVIDER_STAKE = 1_000 ether;
    uint256 internal constant TENANT_FUNDS = 1_000_000 ether;
    uint256 internal constant PROVIDER_FUNDS = 10_000 ether;
    uint256 internal constant START_TIME = 1_700_000_000;

    // Order defaults.
    uint256 internal constant MAX_PRICE = 1e15; // NOOS wei per second
    uint256 internal constant DEPOSIT = 100 ether; // 100_000 s at MAX_PRICE
    uint32 internal constant BID_WINDOW = 1 hours;
    uint32 internal constant JOB_TIMEOUT = 1 hours;
    string internal constant MANIFEST_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    bytes32 internal constant MANIFEST_HASH = keccak256("manifest: sdl v2, 1 gpu");
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
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
        _registerProvider(who, attributes, PROVIDER_STAKE);
    }

    /// @dev Funds, stakes `stake` in the provider role and registers `who`.
    function _registerProvider(address who, IProviderRegistry.Attribute[] memory attributes, uint256 stake) internal {
        _fund(who, PROVIDER_FUNDS + stake);
        vm.startPrank(who);
        staking.stake(PROVIDER_ROLE, stake);
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
    }

    /// @dev A batch order due JOB_TIMEOUT seconds after its lease starts.
    function _batchParams() internal view returns (IComputeMarket.OrderParams memory p) {
        p = _serviceParams();
        p.jobTimeout = JOB_TIMEOUT;
    }

    /// @dev `p` with placement requirements (attributes, allOf and anyOf auditors).
    function _withPlacement(
        IComputeMarket.OrderParams memory p,
        IProviderRegistry.Attribute[] memory attributes,
        address[] memory allOf,
        address[] memory anyOf
    ) internal pure returns (IComputeMarket.OrderParams memory) {
        p.placement.attributes = attributes;
        p.placement.allOf = allOf;
        p.placement.anyOf = anyOf;
        return p;
    }

    /// @dev `p` requiring region=eu (provider1 and provider3 match, provider2 does not).
    function _withEuPlacement(IComputeMarket.OrderParams memory p)
        internal
        pure
        returns (IComputeMarket.OrderParams memory)
    {
        return _withPlacement(p, _attrs1("region", "eu"), new address[](0), new address[](0));
    }

    /// @dev Opens `p` as `who` (from its market balance first, then its allowance) and remembers the
    ///      order's placement for `_bid`.
    function _createOrder(address who, IComputeMarket.OrderParams memory p) internal returns (uint256 orderId) {
        vm.prank(who);
        orderId = market.createOrder(p);
        _rememberPlacement(orderId, p);
    }

    function _rememberPlacement(uint256 orderId, IComputeMarket.OrderParams memory p) internal {
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

    /// @dev `provider` bids `price` (the 3-argument form with the order's placement when it has one).
    function _bid(address provider, uint256 orderId, uint256 price) internal {
        vm.prank(provider);
        if (orderPlacement[orderId].length == 0) market.createBid(orderId, price);
        else market.createBid(orderId, price, _placementOf(orderId));
    }

    /// @dev The order's tenant accepts its best bid.
    function _accept(uint256 orderId) internal returns (uint256) {
        vm.prank(market.getOrder(orderId).tenant);
        return market.acceptBid(orderId);
    }

    /// @dev Opens `p` as `tenant`, has `provider` bid `price` and accepts it.
    function _leaseTo(address provider, IComputeMarket.OrderParams memory p, uint256 price)
        internal
        returns (uint256 leaseId)
    {
        uint256 orderId = _createOrder(tenant, p);
        _bid(provider, orderId, price);
        leaseId = _accept(orderId);
    }

    /// @dev Opens `p` as `tenant`, has provider1 bid `price` and accepts it.
    function _lease(IComputeMarket.OrderParams memory p, uint256 price) internal returns (uint256) {
        return _leaseTo(provider1, p, price);
    }

    function _serviceLease(uint256 price) internal returns (uint256) {
        return _lease(_serviceParams(), price);
    }

    function _batchLease(uint256 price) internal returns (uint256) {
        return _lease(_batchParams(), price);
    }

    // ------------------------------------------------------------ accounts and stake

    /// @dev `who` moves `amount` from its wallet (allowance) into its market balance.
    function _fundAccount(address who, uint256 amount) internal {
        vm.prank(who);
        market.fund(address(token), amount);
    }

    /// @dev `who`'s NOOS balance in the market.
    function _balanceOf(address who) internal view returns (uint256) {
        return market.balanceOf(who, address(token));
    }

    /// @dev The stake one open lease needs.
    function _minStake() internal view returns (uint256) {
        return params.minProviderStake();
    }

    /// @dev What a missed deadline slashes: missedDeadlineSlashBps of minProviderStake.
    function _deadlineSlash() internal view returns (uint256) {
        return params.minProviderStake() * params.missedDeadlineSlashBps() / BPS;
    }

    /// @dev What the market holds locked in Staking for `provider`.
    function _lockedByMarket(address provider) internal view returns (uint256 locked) {
        (, locked) = market.providerStake(provider);
    }

    function _openLeases(address provider) internal view returns (uint256 open) {
        (open,) = market.providerStake(provider);
    }

    /// @dev An EIP-2612 permit of `owner_` (key `key`) letting the market spend `value` of NOOS.
    function _signPermit(uint256 key, address owner_, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner_, address(market), value, token.nonces(owner_), deadline));
        (v, r, s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
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
