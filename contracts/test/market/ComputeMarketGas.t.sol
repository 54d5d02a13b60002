// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, console2} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {ComputeMarket} from "../../src/market/ComputeMarket.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {ProviderRegistry} from "../../src/registry/ProviderRegistry.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice Gas of ComputeMarket's batch and service lifecycles, per step, in bench/market-gas.ts's
///         scenario and order: real NoosToken/ProtocolParams/Staking/ProviderRegistry, 1000 NOOS
///         provider stake, 3 provider attributes, 1 placement attribute (bids pass it), batch
///         0.001 NOOS/s x 600 s (5 NOOS deposit), service 0.01 NOOS/s max, bids 0.008 and 0.005,
///         100 NOOS escrow, 50 top-up, settle after 1 h, close 600 s later.
/// @dev Run with `--isolate` so that every external call is its own transaction: each logged figure
///      is vm.lastCallGas().gasTotalUsed, a whole transaction (21,000 intrinsic + calldata +
///      execution, net of refunds), as test_calibration shows against the bench's ERC-20 transfer
///      (39,234 / 56,334 gas on anvil). Without --isolate the figures are not whole transactions
///      (warm accounts and slots across calls) and the asserts are skipped.
contract ComputeMarketGasTest is Test {
    bytes32 internal constant PROVIDER_ROLE = keccak256("PROVIDER");
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 internal constant START = 1_700_000_000;
    /// @notice Issue 14's targets (whole transactions, returning tenant and provider) are 400k batch /
    ///         700k service as bench/market-gas.ts measures; measured here 397,908 / 594,659. The
    ///         service bound is tighter than its target, as a regression guard.
    uint256 internal constant BATCH_BOUND = 400_000;
    uint256 internal constant SERVICE_BOUND = 600_000;

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;
    ProviderRegistry internal registry;
    ComputeMarket internal market;

    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal t1;
    uint256 internal t1Key;
    address internal t2;
    uint256 internal t2Key;
    address internal t3;
    uint256 internal t3Key;
    address internal p4 = makeAddr("p4");
    address internal p5 = makeAddr("p5");
    address internal p6 = makeAddr("p6");

    IProviderRegistry.Placement internal placement;
    address[] internal accounts;
    uint256 internal total;
    bool internal isolated;

    function setUp() public {
        vm.warp(START);
        (t1, t1Key) = makeAddrAndKey("t1");
        (t2, t2Key) = makeAddrAndKey("t2");
        (t3, t3Key) = makeAddrAndKey("t3");
        token = new NoosToken(owner, treasury, 1_000_000_000 ether);
        params = new ProtocolParams(owner, treasury);
        staking = new Staking(token, params, owner);
        registry = new ProviderRegistry(staking, params);
        market = new ComputeMarket(params, registry, staking);
        vm.startPrank(owner);
        staking.grantRole(staking.SLASHER_ROLE(), address(market));
        staking.grantRole(staking.LOCKER_ROLE(), address(market));
        params.setPaymentToken(address(token), true, 1 ether, 0.5 ether);
        vm.stopPrank();

        placement.attributes.push(IProviderRegistry.Attribute("region", "eu"));
        address[6] memory funded = [t1, t2, t3, p4, p5, p6];
        vm.startPrank(treasury);
        for (uint256 i; i < funded.length; ++i) {
            token.transfer(funded[i], 10_000 ether);
        }
        vm.stopPrank();
        address[3] memory ps = [p4, p5, p6];
        for (uint256 i; i < 3; ++i) {
            vm.startPrank(ps[i]);
            token.approve(address(staking), 1_000 ether);
            staking.stake(PROVIDER_ROLE, 1_000 ether);
            IProviderRegistry.Attribute[] memory a = new IProviderRegistry.Attribute[](3);
            a[0] = IProviderRegistry.Attribute("region", "eu");
            a[1] = IProviderRegistry.Attribute("gpu", "h100");
            a[2] = IProviderRegistry.Attribute("tier", "standard");
            registry.register("https://provider.noos", a);
            vm.stopPrank();
        }
        accounts = [t1, t2, t3, p4, p5, p6, treasury];
        // Under --isolate every call is a transaction: the intrinsic 21,000 is in lastCallGas.
        vm.prank(t1);
        token.transfer(t2, 1);
        isolated = vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    // ------------------------------------------------------------ helpers

    function _order(uint256 maxPrice, uint32 jobTimeout, uint256 deposit)
        internal
        view
        returns (IComputeMarket.OrderParams memory p)
    {
        p.manifestCid = "bafy-bench-manifest";
        p.manifestHash = keccak256("bench manifest v1");
        p.resources = IComputeMarket.Resources(2000, 4 << 30, 10 << 30, 1);
        p.placement = placement;
        p.token = address(token);
        p.maxPricePerSecond = maxPrice;
        p.deposit = deposit;
        p.bidWindow = 60;
        p.jobTimeout = jobTimeout;
    }

    function _permit(uint256 key, address who, uint256 value) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                token.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        PERMIT_TYPEHASH, who, address(market), value, token.nonces(who), block.timestamp + 1 hours
                    )
                )
            )
        );
        return vm.sign(key, digest);
    }

    function _log(string memory step) internal returns (uint256 g) {
        Vm.Gas memory gas = vm.lastCallGas();
        g = gas.gasTotalUsed;
        total += g;
        console2.log(
            string.concat("  ", step, ": ", vm.toString(g), " (refunded ", vm.toString(int256(gas.gasRefunded)), ")")
        );
    }

    function _total(string memory what) internal returns (uint256 t) {
        t = total;
        console2.log(string.concat("TOTAL ", what, ": ", vm.toString(t)));
        total = 0;
    }

    /// @dev Money conserved: the market's token balance is the balances, the escrow of the orders
    ///      not ended and the unswept fees.
    function _checkConservation() internal view {
        uint256 sum = market.accruedFees(address(token));
        for (uint256 i; i < accounts.length; ++i) {
            sum += market.balanceOf(accounts[i], address(token));
        }
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            sum += market.getOrder(id).escrow;
        }
        assertEq(token.balanceOf(address(market)), sum, "money conserved");
    }

    // ------------------------------------------------------------ lifecycles

    /// @dev withPermit: a first-time tenant (createOrderWithPermit, no balance); else from its balance.
    function _batch(string memory label, address tenant, uint256 key, address provider, bool withPermit)
        internal
        returns (uint256 t)
    {
        console2.log(label);
        IComputeMarket.OrderParams memory o = _order(1e15, 600, 5 ether);
        uint256 id;
        if (withPermit) {
            (uint8 v, bytes32 r, bytes32 s) = _permit(key, tenant, 5 ether);
            uint256 deadline = block.timestamp + 1 hours;
            vm.prank(tenant);
            id = market.createOrderWithPermit(o, deadline, v, r, s);
            _log("createOrderWithPermit (600 s, 1 placement attribute)");
        } else {
            vm.prank(tenant);
            id = market.createOrder(o);
            _log("createOrder (from the balance, 600 s, 1 placement attribute)");
        }
        vm.prank(provider);
        market.createBid(id, 1e15, placement);
        _log("createBid (with the placement)");
        vm.prank(tenant);
        market.acceptBid(id);
        _log("acceptBid (by the tenant)");
        _checkConservation();
        vm.warp(block.timestamp + 42);
        vm.prank(provider);
        market.submitResult(id, "bafy-bench-result", keccak256("bench result"), "");
        _log("submitResult");
        assertEq(market.getLease(id).resultHash, keccak256("bench result"));
        uint256 before = market.balanceOf(tenant, address(token));
        vm.prank(tenant);
        market.acceptResult(id);
        _log("acceptResult (by the tenant)");
        assertEq(market.balanceOf(tenant, address(token)), before + 5 ether - 0.6 ether, "the rest refunded");
        assertEq(uint8(market.getLease(id).state), uint8(IComputeMarket.LeaseState.Completed));
        _checkConservation();
        t = total;
    }

    function _service(string memory label, address tenant, uint256 key, address loser, address winner, bool withPermit)
        internal
        returns (uint256 t)
    {
        console2.log(label);
        IComputeMarket.OrderParams memory o = _order(1e16, 0, 100 ether);
        uint256 id;
        if (withPermit) {
            (uint8 v, bytes32 r, bytes32 s) = _permit(key, tenant, 100 ether);
            uint256 deadline = block.timestamp + 1 hours;
            vm.prank(tenant);
            id = market.createOrderWithPermit(o, deadline, v, r, s);
            _log("createOrderWithPermit (service, 1 placement attribute)");
        } else {
            vm.prank(tenant);
            id = market.createOrder(o);
            _log("createOrder (from the balance, service, 1 placement attribute)");
        }
        vm.prank(loser);
        market.createBid(id, 8e15, placement);
        _log("createBid (first bid, 0.008/s)");
        vm.prank(winner);
        market.createBid(id, 5e15, placement);
        _log("createBid (second, lower bid, another provider)");
        vm.warp(block.timestamp + 61);
        vm.prank(loser);
        market.closeAuction(id);
        _log("closeAuction (by the outbid provider, after the window)");
        assertEq(market.getLease(id).provider, winner);
        _checkConservation();
        vm.warp(block.timestamp + 3600);
        vm.prank(tenant);
        market.settle(id);
        _log("settle (after 1 h)");
        _checkConservation();
        vm.prank(winner);
        market.withdraw(address(token));
        _log("withdraw (the provider's balance)");
        if (withPermit) {
            (uint8 v, bytes32 r, bytes32 s) = _permit(key, tenant, 50 ether);
            uint256 deadline = block.timestamp + 1 hours;
            vm.prank(tenant);
            market.depositWithPermit(id, 50 ether, deadline, v, r, s);
            _log("depositWithPermit (top-up 50 NOOS, the tenant's second permit)");
        } else {
            vm.prank(tenant);
            market.deposit(id, 50 ether);
            _log("deposit (top-up 50 NOOS from the balance)");
        }
        _checkConservation();
        vm.warp(block.timestamp + 600);
        vm.prank(tenant);
        market.closeLease(id);
        _log("closeLease (by the tenant)");
        _checkConservation();
        vm.prank(treasury);
        market.sweepFees(address(token));
        _log("sweepFees");
        _checkConservation();
        t = total;
    }

    function test_gas_lifecycles() public {
        // Warm-up as the bench's: tenant 3's batch job with provider 6 (so the fee slot and p6's
        // balance slot exist), an order opened and canceled, and tenant 3's balance withdrawn.
        _batch("(warm-up) batch: tenant 3 (permit), provider 6", t3, t3Key, p6, true);
        vm.prank(t3);
        uint256 canceled = market.createOrder(_order(1, 0, 1 ether));
        vm.prank(t3);
        market.cancelOrder(canceled);
        vm.prank(t3);
        market.withdraw(address(token));
        _checkConservation();
        total = 0;

        _batch(
            "BATCH, first time: new tenant t1 (createOrderWithPermit), provider p4's first lease", t1, t1Key, p4, true
        );
        _total("batch, first-time tenant and provider");

        (uint8 v, bytes32 r, bytes32 s) = _permit(t1Key, t1, 300 ether);
        uint256 deadline = block.timestamp + 1 hours;
        vm.prank(t1);
        market.fundWithPermit(address(token), 300 ether, deadline, v, r, s);
        _log("fundWithPermit (300 NOOS, once; not in a total)");
        total = 0;

        _batch("BATCH, returning: tenant t1 (from its balance), provider p4 (has had a lease)", t1, t1Key, p4, false);
        uint256 batchTotal = _total("batch, returning tenant and provider");

        _service("SERVICE, first time: new tenant t2 (permit), p6 outbid, p5's first lease", t2, t2Key, p6, p5, true);
        _total("service, first-time tenant, winner's first lease");
        (v, r, s) = _permit(t2Key, t2, 300 ether);
        deadline = block.timestamp + 1 hours;
        vm.prank(t2);
        market.fundWithPermit(address(token), 300 ether, deadline, v, r, s);
        total = 0;
        _service("SERVICE, returning: tenant t2 (from its balance), same providers", t2, t2Key, p6, p5, false);
        uint256 serviceTotal = _total("service, returning tenant and providers");

        (uint256 open, uint256 locked) = market.providerStake(p4);
        assertEq(open, 0);
        assertEq(locked, params.minProviderStake());
        vm.prank(p4);
        market.releaseStake();
        _log("releaseStake (once, when the provider leaves)");
        assertEq(staking.lockedOf(p4, PROVIDER_ROLE), 0);
        total = 0;

        if (isolated) {
            assertLe(batchTotal, BATCH_BOUND, "batch lifecycle, returning");
            assertLe(serviceTotal, SERVICE_BOUND, "service lifecycle, returning");
        } else {
            console2.log("not --isolate: the figures are not whole transactions; targets not checked");
        }
    }

    /// @dev What lastCallGas reports under --isolate: an ERC-20 transfer between accounts that
    ///      already hold tokens is 39,234 gas as a whole transaction in the bench (anvil).
    function test_calibration() public {
        vm.prank(t1);
        token.transfer(t2, 1 ether);
        _log("ERC-20 transfer, both balances non-zero (bench: 39234 whole-tx)");
        vm.prank(t1);
        token.transfer(makeAddr("fresh"), 1 ether);
        _log("ERC-20 transfer to a fresh account (bench: 56334 whole-tx)");
    }

    // ------------------------------------------------------------ semantics (beside the gas figures)

    function _fund(address who, uint256 amount) internal {
        vm.startPrank(who);
        token.approve(address(market), amount);
        market.fund(address(token), amount);
        vm.stopPrank();
    }

    function _batchLease(address tenant, address provider, uint256 price) internal returns (uint256 id) {
        vm.prank(tenant);
        id = market.createOrder(_order(1e15, 600, 5 ether));
        vm.prank(provider);
        market.createBid(id, price, placement);
        vm.prank(tenant);
        market.acceptBid(id);
    }

    function test_bidsMustBeLowerAndStopAtTheLease() public {
        _fund(t1, 100 ether);
        vm.prank(t1);
        uint256 id = market.createOrder(_order(1e15, 600, 5 ether));
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidAbovePrice.selector, id, 1e15 + 1, 1e15));
        market.createBid(id, 1e15 + 1, placement);
        vm.prank(p4);
        market.createBid(id, 9e14, placement);
        vm.prank(p5);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidNotLower.selector, id, 9e14, 9e14));
        market.createBid(id, 9e14, placement);
        vm.prank(p5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketWrongPlacement.selector, id, market.getOrder(id).placementHash, bytes32(0)
            )
        );
        market.createBid(id, 8e14);
        vm.prank(p5);
        vm.expectEmit(address(market));
        emit IComputeMarket.BidCreated(id, p5, 8e14, p4);
        market.createBid(id, 8e14, placement);
        IComputeMarket.Order memory o = market.getOrder(id);
        assertEq(o.bestBidder, p5);
        assertEq(o.bestPricePerSecond, 8e14);
        assertEq(o.maxPricePerSecond, 1e15);
        assertEq(o.escrow, 5 ether);
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidWindowOpen.selector, id, uint64(o.bidDeadline)));
        market.closeAuction(id);
        vm.prank(t1);
        market.acceptBid(id); // the tenant accepts inside the window
        vm.prank(p6);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketOrderNotOpen.selector, id, IComputeMarket.OrderState.Leased)
        );
        market.createBid(id, 1e14, placement);
        IComputeMarket.Lease memory l = market.getLease(id);
        assertEq(l.provider, p5);
        assertEq(l.pricePerSecond, 8e14);
        assertEq(l.held, 8e14 * 600);
        assertEq(l.deadline, block.timestamp + 600);
        (uint256 open, uint256 locked) = market.providerStake(p5);
        assertEq(open, 1);
        assertEq(locked, params.minProviderStake());
        _checkConservation();
    }

    function test_batchDepositMustCoverTheJob() public {
        _fund(t1, 100 ether);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDepositBelowJobCost.selector, 1 ether, 6 ether));
        market.createOrder(_order(1e16, 600, 1 ether));
    }

    function test_missedDeadlineSlashesAndRefunds() public {
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, p4, 1e15);
        vm.warp(block.timestamp + 600);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketDeadlineNotPassed.selector, id, uint64(block.timestamp))
        );
        market.expireLease(id);
        vm.warp(block.timestamp + 1);
        uint256 stake = staking.stakeOf(p4, PROVIDER_ROLE);
        address reporter = makeAddr("reporter");
        vm.prank(reporter);
        vm.expectEmit(address(market));
        emit IComputeMarket.ProviderSlashed(id, p4, 10 ether);
        market.expireLease(id);
        assertEq(staking.stakeOf(p4, PROVIDER_ROLE), stake - 10 ether, "10% of minProviderStake");
        assertEq(token.balanceOf(reporter), 1 ether, "the reporter's 10%");
        assertEq(market.balanceOf(t1, address(token)), 100 ether, "the whole escrow back");
        assertEq(uint8(market.getLease(id).state), uint8(IComputeMarket.LeaseState.Failed));
        (uint256 open,) = market.providerStake(p4);
        assertEq(open, 0);
        _checkConservation();
    }

    function test_disputeLostFailsTheJob() public {
        address arbiter = makeAddr("arbiter");
        vm.prank(owner);
        params.setArbiter(arbiter);
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, p4, 1e15);
        vm.prank(p4);
        market.submitResult(id, "cid", keccak256("r"), "");
        vm.prank(p5);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, id, p5));
        market.disputeResult(id);
        vm.prank(arbiter);
        market.disputeResult(id);
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, id, IComputeMarket.LeaseState.Disputed)
        );
        market.acceptResult(id);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotArbiter.selector, t1));
        market.resolveDispute(id, false);
        vm.prank(arbiter);
        market.resolveDispute(id, false);
        assertEq(uint8(market.getLease(id).state), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(market.balanceOf(t1, address(token)), 100 ether);
        _checkConservation();
    }

    function test_acceptAfterTheDisputeWindowByAnyone() public {
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, p4, 1e15);
        vm.prank(p4);
        market.submitResult(id, "cid", keccak256("r"), "");
        IComputeMarket.Lease memory l = market.getLease(id);
        assertEq(l.disputeEndsAt, block.timestamp + params.disputeWindow());
        assertEq(l.resultBlock, block.number);
        vm.prank(p5);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDisputeWindowOpen.selector, id, l.disputeEndsAt));
        market.acceptResult(id);
        vm.warp(l.disputeEndsAt);
        vm.prank(p5);
        market.acceptResult(id);
        uint256 fee = (6e17 * uint256(params.takeRateBps())) / 10_000;
        assertEq(market.balanceOf(p4, address(token)), 6e17 - fee);
        assertEq(market.accruedFees(address(token)), fee);
        assertEq(market.balanceOf(t1, address(token)), 100 ether - 6e17);
        _checkConservation();
    }

    function test_batchClosedEarly() public {
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, p4, 1e15);
        vm.warp(block.timestamp + 150);
        vm.prank(t1);
        market.closeLease(id); // pays 150 s of 600
        uint256 fee = (150e15 * uint256(params.takeRateBps())) / 10_000;
        assertEq(market.balanceOf(p4, address(token)), 150e15 - fee);
        assertEq(market.balanceOf(t1, address(token)), 100 ether - 150e15);
        id = _batchLease(t1, p5, 1e15);
        vm.warp(block.timestamp + 300);
        uint256 stake = staking.stakeOf(p5, PROVIDER_ROLE);
        vm.prank(p5);
        vm.expectEmit(address(market));
        emit IComputeMarket.ProviderSlashed(id, p5, 5 ether); // half the time: half of 10 NOOS
        market.closeLease(id);
        assertEq(staking.stakeOf(p5, PROVIDER_ROLE), stake - 5 ether);
        assertEq(market.balanceOf(p5, address(token)), 0, "a provider giving up is paid nothing");
        _checkConservation();
    }

    function test_serviceRunsOutOfEscrow() public {
        _fund(t1, 100 ether);
        vm.prank(t1);
        uint256 id = market.createOrder(_order(1e16, 0, 10 ether));
        vm.prank(p4);
        market.createBid(id, 3e15, placement);
        vm.prank(t1);
        market.acceptBid(id);
        (uint256 accrued, uint256 left) = market.pendingSettlement(id);
        assertEq(accrued, 0);
        assertEq(left, 10 ether);
        vm.warp(block.timestamp + 10_000); // 3,333.33 s affordable
        (accrued, left) = market.pendingSettlement(id);
        assertEq(accrued, 10 ether);
        assertEq(left, 0);
        market.settle(id);
        IComputeMarket.Lease memory l = market.getLease(id);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(l.settledAt, l.startedAt + 3333);
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketOrderNotOpen.selector, id, IComputeMarket.OrderState.Closed)
        );
        market.deposit(id, 1 ether);
        _checkConservation();
    }

    function test_replicaGroup() public {
        _fund(t1, 100 ether);
        vm.prank(t1);
        uint256 g = market.createOrderGroup(_order(1e15, 600, 1 ether), 3);
        assertEq(market.getOrder(g + 1).group, g);
        vm.prank(p4);
        market.createBid(g, 1e15, placement);
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderInGroup.selector, g, p4));
        market.createBid(g + 1, 9e14, placement);
        vm.prank(p4);
        market.createBid(g, 9e14, placement); // its own order again: fine
        vm.prank(p5);
        market.createBid(g + 1, 1e15, placement);
        vm.warp(block.timestamp + 61);
        market.closeAuction(g);
        market.closeAuction(g + 1);
        assertEq(market.closeAuction(g + 2), 0, "no bid: closed");
        assertEq(market.getGroup(g).settled, 1);
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitRevealRequired.selector, g));
        market.submitResult(g, "cid", keccak256("r"), "");
        bytes32 c4 = market.resultCommitment(g, keccak256("r"), "cid", bytes32(uint256(4)), p4);
        vm.prank(p4);
        market.commitResult(g, c4);
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketRevealNotOpen.selector, g));
        market.revealResult(g, "cid", keccak256("r"), bytes32(uint256(4)), "");
        bytes32 c5 = market.resultCommitment(g + 1, keccak256("r"), "cid", bytes32(uint256(5)), p5);
        vm.prank(p5);
        market.commitResult(g + 1, c5);
        assertEq(market.getGroup(g).revealEndsAt, block.timestamp + params.disputeWindow());
        vm.prank(p4);
        market.revealResult(g, "cid", keccak256("r"), bytes32(uint256(4)), "");
        vm.prank(t1);
        market.acceptResult(g);
        vm.warp(block.timestamp + params.disputeWindow() + 1);
        market.expireLease(g + 1); // p5 never revealed
        assertEq(uint8(market.getLease(g + 1).state), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(uint8(market.getOrder(g + 2).state), uint8(IComputeMarket.OrderState.Closed));
        _checkConservation();
    }

    function test_releaseStakeKeepsWhatOpenLeasesNeed() public {
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, p4, 1e15);
        vm.prank(p4);
        assertEq(market.releaseStake(), 0);
        vm.prank(p4);
        market.submitResult(id, "cid", keccak256("r"), "");
        vm.prank(t1);
        market.acceptResult(id);
        vm.prank(p4);
        vm.expectEmit(address(market));
        emit IComputeMarket.StakeReleased(p4, 100 ether);
        assertEq(market.releaseStake(), 100 ether);
        assertEq(staking.lockedOf(p4, PROVIDER_ROLE), 0);
        vm.prank(p4);
        market.withdraw(address(token));
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, p4, address(token)));
        market.withdraw(address(token));
    }

    /// @dev The market's lock record follows Staking's clamp after its slash: a provider staked
    ///      exactly minProviderStake and slashed for a missed deadline cannot bid on its old lock.
    function test_slashedLockRecordFollowsStaking() public {
        address small = makeAddr("small");
        vm.prank(treasury);
        token.transfer(small, 100 ether);
        vm.startPrank(small);
        token.approve(address(staking), 100 ether);
        staking.stake(PROVIDER_ROLE, 100 ether);
        IProviderRegistry.Attribute[] memory a = new IProviderRegistry.Attribute[](1);
        a[0] = IProviderRegistry.Attribute("region", "eu");
        registry.register("https://small.noos", a);
        vm.stopPrank();
        _fund(t1, 100 ether);
        uint256 id = _batchLease(t1, small, 1e15);
        vm.warp(block.timestamp + 601);
        market.expireLease(id);
        assertEq(staking.stakeOf(small, PROVIDER_ROLE), 90 ether);
        (, uint256 locked) = market.providerStake(small);
        assertEq(locked, 90 ether, "the record follows Staking's clamp");
        vm.prank(t1);
        uint256 next = market.createOrder(_order(1e15, 600, 5 ether));
        vm.prank(small);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, small, 90 ether, 100 ether)
        );
        market.createBid(next, 1e15, placement);
    }

    /// @dev A lease starts on the lock its bid found only while that lock was neither lowered
    ///      (releaseStake) nor taken by another lease since; otherwise it locks as usual.
    function test_bidStakeTagLapses() public {
        _fund(t1, 100 ether);
        uint256 first = _batchLease(t1, p4, 1e15); // p4's first lease: the market locks 100
        vm.prank(t1);
        market.closeLease(first);
        (uint256 open, uint256 locked) = market.providerStake(p4);
        assertEq(open, 0);
        assertEq(locked, 100 ether);

        // Released between the bid and the lease: the lease locks again.
        vm.prank(t1);
        uint256 a = market.createOrder(_order(1e15, 600, 5 ether));
        vm.prank(p4);
        market.createBid(a, 1e15, placement); // covered by the kept lock
        vm.prank(p4);
        market.releaseStake();
        assertEq(staking.lockedOf(p4, PROVIDER_ROLE), 0);
        vm.prank(t1);
        market.acceptBid(a);
        (open, locked) = market.providerStake(p4);
        assertEq(open, 1);
        assertEq(locked, 100 ether);
        assertEq(staking.lockedOf(p4, PROVIDER_ROLE), 100 ether, "locked again");

        // Two bids on the same spare lock: the second lease locks more.
        vm.prank(t1);
        market.closeLease(a);
        vm.startPrank(t1);
        uint256 b = market.createOrder(_order(1e15, 600, 5 ether));
        uint256 c = market.createOrder(_order(1e15, 600, 5 ether));
        vm.stopPrank();
        vm.startPrank(p4);
        market.createBid(b, 1e15, placement);
        market.createBid(c, 1e15, placement);
        vm.stopPrank();
        vm.startPrank(t1);
        market.acceptBid(b);
        market.acceptBid(c);
        vm.stopPrank();
        (open, locked) = market.providerStake(p4);
        assertEq(open, 2);
        assertEq(locked, 200 ether);
        assertEq(staking.lockedOf(p4, PROVIDER_ROLE), 200 ether);
        _checkConservation();
    }

    /// @dev An order whose calldata carries a suffix (as some wallets append) still gets its
    ///      placement's standard hash, so providers can bid on it.
    function test_orderCalldataSuffixKeepsThePlacementHash() public {
        _fund(t1, 100 ether);
        IComputeMarket.OrderParams memory p = _order(1e15, 600, 5 ether);
        vm.prank(t1);
        (bool ok,) = address(market).call(abi.encodePacked(abi.encodeCall(market.createOrder, (p)), hex"deadbeef"));
        assertTrue(ok);
        uint256 id = market.orderCount();
        assertEq(market.getOrder(id).placementHash, keccak256(abi.encode(placement)));
        vm.prank(p4);
        market.createBid(id, 1e15, placement);
        assertEq(market.getOrder(id).bestBidder, p4);
    }

    function test_cancelCreditsTheBalance() public {
        _fund(t1, 10 ether);
        vm.prank(t1);
        uint256 id = market.createOrder(_order(1e15, 600, 5 ether));
        assertEq(market.balanceOf(t1, address(token)), 5 ether);
        vm.prank(p4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, id, p4));
        market.cancelOrder(id);
        vm.prank(t1);
        market.cancelOrder(id);
        assertEq(market.balanceOf(t1, address(token)), 10 ether);
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketOrderNotOpen.selector, id, IComputeMarket.OrderState.Closed)
        );
        market.cancelOrder(id);
        // Balance first, the rest by transferFrom.
        vm.startPrank(t1);
        token.approve(address(market), 2 ether);
        id = market.createOrder(_order(1e15, 600, 12 ether));
        vm.stopPrank();
        assertEq(market.balanceOf(t1, address(token)), 0);
        assertEq(market.getOrder(id).escrow, 12 ether);
        _checkConservation();
    }
}
