// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {IStaking} from "../../src/staking/IStaking.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice The running reverse auction (createBid: each bid strictly below the best, which it
///         replaces), acceptBid, closeAuction, placement matching through the market, and the lazy
///         stake lock (providerStake, releaseStake).
contract ComputeMarketBidsTest is MarketFixture {
    // ------------------------------------------------------------ createBid

    function test_createBid_recordsBestBidWithoutDeposit() public {
        uint256 orderId = _openServiceOrder();
        uint256 walletBefore = token.balanceOf(provider1);
        skip(10);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidCreated(orderId, provider1, MAX_PRICE, address(0));
        _bid(provider1, orderId, MAX_PRICE); // at the max price exactly

        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(o.bestBidder, provider1);
        assertEq(o.bestPricePerSecond, MAX_PRICE);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Open));
        assertEq(token.balanceOf(provider1), walletBefore, "no bid deposit");
        assertEq(token.balanceOf(address(market)), DEPOSIT);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0, "a bid locks no stake");
        (uint256 open, uint256 locked) = market.providerStake(provider1);
        assertEq(open, 0);
        assertEq(locked, 0);
    }

    /// @dev A lower bid replaces the best and names the provider it outbid.
    function test_createBid_lowerBidReplacesBest() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidCreated(orderId, provider2, MAX_PRICE - 1, provider1);
        _bid(provider2, orderId, MAX_PRICE - 1);
        assertEq(market.getOrder(orderId).bestBidder, provider2);
        assertEq(market.getOrder(orderId).bestPricePerSecond, MAX_PRICE - 1);

        // The outbid provider may come back lower.
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidCreated(orderId, provider1, MAX_PRICE / 2, provider2);
        _bid(provider1, orderId, MAX_PRICE / 2);
        assertEq(market.getOrder(orderId).bestBidder, provider1);
        assertEq(market.getOrder(orderId).bestPricePerSecond, MAX_PRICE / 2);
    }

    function test_createBid_acceptsLastSecondOfWindow() public {
        uint256 orderId = _openServiceOrder();
        skip(BID_WINDOW - 1);
        _bid(provider1, orderId, MAX_PRICE);
        assertEq(market.getOrder(orderId).bestBidder, provider1);
    }

    function test_createBid_revertsWhenNotLowerThanBest() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE / 2);
        // Equal to the best: ties go to the first bid.
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidNotLower.selector, orderId, MAX_PRICE / 2, MAX_PRICE / 2)
        );
        _bid(provider2, orderId, MAX_PRICE / 2);
        // Above the best, though below the max price.
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidNotLower.selector, orderId, MAX_PRICE / 2 + 1, MAX_PRICE / 2)
        );
        _bid(provider2, orderId, MAX_PRICE / 2 + 1);
        assertEq(market.getOrder(orderId).bestBidder, provider1, "the best bid stays");
    }

    function test_createBid_revertsWhenPriceAboveMax() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidAbovePrice.selector, orderId, MAX_PRICE + 1, MAX_PRICE)
        );
        _bid(provider1, orderId, MAX_PRICE + 1);
    }

    function test_createBid_revertsWhenPriceZero() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(IComputeMarket.MarketZeroPrice.selector);
        _bid(provider1, orderId, 0);
    }

    function test_createBid_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 3));
        _bid(provider1, 3, MAX_PRICE);
    }

    /// @dev The tenant may accept inside the bid window: a later, lower bid is refused.
    function test_createBid_revertsWhenOrderLeased() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Leased
            )
        );
        _bid(provider2, leaseId, MAX_PRICE / 2);
        assertEq(market.getLease(leaseId).provider, provider1);
        assertEq(market.getOrder(leaseId).bestBidder, provider1, "the winner stays");
    }

    function test_createBid_revertsWhenOrderCanceled() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        _bid(provider2, orderId, MAX_PRICE);
    }

    function test_createBid_revertsWhenWindowClosed() public {
        uint256 orderId = _openServiceOrder();
        uint64 deadline = market.getOrder(orderId).bidDeadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidWindowClosed.selector, orderId, deadline));
        _bid(provider1, orderId, MAX_PRICE);
    }

    function test_createBid_revertsWhenProviderNotRegistered() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderNotEligible.selector, stranger));
        _bid(stranger, orderId, MAX_PRICE);
    }

    function test_createBid_revertsWhenStakeBelowMinimum() public {
        uint256 orderId = _openServiceOrder();
        uint256 excess = PROVIDER_STAKE - params.minProviderStake();
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, excess + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderNotEligible.selector, provider1));
        _bid(provider1, orderId, MAX_PRICE);
    }

    function test_createBid_revertsWhenProviderUnregistered() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(provider1);
        registry.unregister();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderNotEligible.selector, provider1));
        _bid(provider1, orderId, MAX_PRICE);
    }

    /// @dev Eligible (stake >= minProviderStake) but that stake already backs an open lease: no stake
    ///      is free for one more.
    function test_createBid_revertsWhenStakeNotFree() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake + minStake / 2);
        _leaseTo(small, _serviceParams(), MAX_PRICE);
        assertTrue(registry.isEligible(small));

        uint256 orderId = _openServiceOrder();
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketInsufficientUnlockedStake.selector, small, minStake / 2, minStake
            )
        );
        _bid(small, orderId, MAX_PRICE);
    }

    /// @dev Stake the market still holds locked after a lease ended counts as free for the next bid.
    function test_createBid_countsStakeLockedByMarketAfterLeaseEnded() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake);
        uint256 first = _leaseTo(small, _serviceParams(), MAX_PRICE);
        vm.prank(tenant);
        market.closeLease(first);
        assertEq(staking.lockedOf(small, PROVIDER_ROLE), minStake, "the lock stays");
        assertEq(staking.stakeOf(small, PROVIDER_ROLE) - staking.lockedOf(small, PROVIDER_ROLE), 0);

        uint256 second = _leaseTo(small, _serviceParams(), MAX_PRICE);
        assertEq(market.getLease(second).provider, small);
        assertEq(staking.lockedOf(small, PROVIDER_ROLE), minStake, "no second lock");
        (uint256 open, uint256 locked) = market.providerStake(small);
        assertEq(open, 1);
        assertEq(locked, minStake);
    }

    /// @dev A provider whose whole stake was locked missed a deadline: the slash leaves it below
    ///      minProviderStake (Staking clamps its lock to the stake left). It cannot bid on an order
    ///      with placement requirements either (the registry's placement match does not look at the
    ///      stake): the stake the market kept locked is no longer there.
    function test_createBid_placementOrderRevertsWhenSlashedBelowMinimum() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake);
        uint256 id = _leaseTo(small, _batchParams(), MAX_PRICE);
        skip(JOB_TIMEOUT + 1);
        vm.prank(keeper);
        market.expireLease(id);
        uint256 left = minStake - _deadlineSlash();
        assertEq(staking.stakeOf(small, PROVIDER_ROLE), left);
        assertFalse(registry.isEligible(small));

        IComputeMarket.OrderParams memory p = _withEuPlacement(_serviceParams());
        uint256 orderId = _createOrder(tenant, p);
        bytes memory err;
        vm.prank(small);
        try market.createBid(orderId, MAX_PRICE, p.placement) {
            err = "";
        } catch (bytes memory reason) {
            err = reason;
        }
        bool ok = err.length == 0;
        assertFalse(ok, "a provider below the minimum stake bid");
        bytes4 selector = bytes4(err);
        assertTrue(
            selector == IComputeMarket.MarketInsufficientUnlockedStake.selector
                || selector == IComputeMarket.MarketProviderNotEligible.selector,
            "refused for its stake"
        );
    }

    /// @dev Whatever order the bids come in, the best is the lowest, and the first at that price.
    function testFuzz_createBid_keepsRunningMinimum(uint256[5] memory prices) public {
        uint256 orderId = _openServiceOrder();
        address[5] memory bidders = [provider1, provider2, provider3, _extraProvider("p4"), _extraProvider("p5")];
        uint256 best = MAX_PRICE + 1;
        address bestBidder;
        address outbid;
        for (uint256 i; i < 5; ++i) {
            prices[i] = bound(prices[i], 1, 4); // small range: many ties
            if (prices[i] >= best) {
                vm.expectRevert(
                    abi.encodeWithSelector(IComputeMarket.MarketBidNotLower.selector, orderId, prices[i], best)
                );
                _bid(bidders[i], orderId, prices[i]);
                continue;
            }
            vm.expectEmit(true, true, true, true, address(market));
            emit IComputeMarket.BidCreated(orderId, bidders[i], prices[i], outbid);
            _bid(bidders[i], orderId, prices[i]);
            best = prices[i];
            bestBidder = bidders[i];
            outbid = bidders[i];
        }
        skip(BID_WINDOW);
        market.closeAuction(orderId);
        IComputeMarket.Lease memory l = market.getLease(orderId);
        assertEq(l.provider, bestBidder);
        assertEq(l.pricePerSecond, best);
        assertEq(token.balanceOf(address(market)), DEPOSIT, "bids hold no tokens");
    }

    // ------------------------------------------------------------ placement

    function _placementOrder(IProviderRegistry.Attribute[] memory attrs, address[] memory allOf, address[] memory anyOf)
        private
        returns (uint256)
    {
        return _createOrder(tenant, _withPlacement(_serviceParams(), attrs, allOf, anyOf));
    }

    function _expectMismatch(uint256 orderId, address provider) private {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketPlacementMismatch.selector, orderId, provider));
        _bid(provider, orderId, 1);
    }

    function test_createBid_placementOrderNeedsItsPlacement() public {
        uint256 orderId = _placementOrder(_attrs1("region", "eu"), new address[](0), new address[](0));
        bytes32 expected = market.getOrder(orderId).placementHash;
        assertEq(expected, keccak256(abi.encode(_placementOf(orderId))));
        // The 2-argument form cannot bid on an order with placement requirements.
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketWrongPlacement.selector, orderId, expected, 0));
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE);
        // Nor can another placement (here a weaker one that provider2, region=us, would match).
        IProviderRegistry.Placement memory other;
        other.attributes = _attrs1("tier", "community");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketWrongPlacement.selector, orderId, expected, keccak256(abi.encode(other))
            )
        );
        vm.prank(provider2);
        market.createBid(orderId, MAX_PRICE, other);
        // Nor an empty one.
        IProviderRegistry.Placement memory none;
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketWrongPlacement.selector, orderId, expected, 0));
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE, none);
        _bid(provider1, orderId, MAX_PRICE); // with the order's placement
        assertEq(market.getOrder(orderId).bestBidder, provider1);
    }

    /// @dev A placement encoded with extra bytes after it (as some encoders or wallets add) is
    ///      still the order's placement: the bid is accepted; a different placement is not.
    function test_createBid_placementWithTrailingCalldata() public {
        IComputeMarket.OrderParams memory p = _withEuPlacement(_serviceParams());
        uint256 orderId = _createOrder(tenant, p);
        bytes4 selector = bytes4(keccak256("createBid(uint256,uint256,((string,string)[],address[],address[]))"));
        bytes memory data = abi.encodePacked(
            abi.encodeWithSelector(selector, orderId, MAX_PRICE, p.placement), bytes32(uint256(0xdead))
        );
        vm.prank(provider1);
        (bool ok,) = address(market).call(data);
        assertTrue(ok, "the order's placement with trailing bytes");
        assertEq(market.getOrder(orderId).bestBidder, provider1);

        IProviderRegistry.Placement memory other;
        other.attributes = _attrs1("region", "us");
        data = abi.encodePacked(abi.encodeWithSelector(selector, orderId, MAX_PRICE - 1, other), bytes32(0));
        vm.prank(provider2);
        (ok,) = address(market).call(data);
        assertFalse(ok, "another placement");
        assertEq(market.getOrder(orderId).bestBidder, provider1);
    }

    function test_createBid_emptyPlacementOnOrderWithoutPlacement() public {
        uint256 orderId = _openServiceOrder();
        IProviderRegistry.Placement memory none;
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE, none);
        assertEq(market.getOrder(orderId).bestBidder, provider1);
        IProviderRegistry.Placement memory some;
        some.attributes = _attrs1("region", "eu");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketWrongPlacement.selector, orderId, 0, keccak256(abi.encode(some))
            )
        );
        vm.prank(provider2);
        market.createBid(orderId, MAX_PRICE - 1, some);
    }

    function test_createBid_placementRequiresSubsetOfProviderAttributes() public {
        uint256 orderId =
            _placementOrder(_attrs2("region", "eu", "tier", "community"), new address[](0), new address[](0));
        _bid(provider1, orderId, MAX_PRICE); // region=eu, tier=community (+ a100)
        _expectMismatch(orderId, provider2); // region=us
        _expectMismatch(orderId, provider3); // region=eu but no tier
    }

    function test_createBid_placementValueMustMatch() public {
        uint256 orderId = _placementOrder(_attrs1("region", "EU"), new address[](0), new address[](0));
        _expectMismatch(orderId, provider1);
    }

    /// @dev The registry's eligibility still applies on an order with placement requirements.
    function test_createBid_placementOrderRevertsWhenProviderUnregistered() public {
        uint256 orderId = _createOrder(tenant, _withEuPlacement(_serviceParams()));
        vm.prank(provider1);
        registry.unregister();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketPlacementMismatch.selector, orderId, provider1));
        _bid(provider1, orderId, MAX_PRICE);
        assertEq(market.getOrder(orderId).bestBidder, address(0));
    }

    function test_createBid_placementKeyWildcard() public {
        uint256 orderId =
            _placementOrder(_attrs1("gpu/vendor/nvidia/model/*", "true"), new address[](0), new address[](0));
        _bid(provider1, orderId, MAX_PRICE); // a100
        _bid(provider2, orderId, MAX_PRICE - 1); // h100
        _expectMismatch(orderId, provider3); // amd

        uint256 anyVendor = _placementOrder(_attrs1("gpu/vendor/*/model/*", "true"), new address[](0), new address[](0));
        _bid(provider1, anyVendor, MAX_PRICE);
        _bid(provider3, anyVendor, MAX_PRICE - 1);
        assertEq(market.getOrder(anyVendor).bestBidder, provider3);
    }

    function test_createBid_placementWildcardDoesNotCrossSlash() public {
        uint256 orderId = _placementOrder(_attrs1("gpu/*", "true"), new address[](0), new address[](0));
        _expectMismatch(orderId, provider1);
        _expectMismatch(orderId, provider2);
    }

    function test_createBid_placementAllOfAuditors() public {
        IProviderRegistry.Attribute[] memory audited = _attrs2("region", "eu", "audit", "soc2");
        vm.prank(auditor1);
        registry.signAttributes(provider1, audited);
        vm.prank(auditor2);
        registry.signAttributes(provider1, audited);
        vm.prank(auditor1);
        registry.signAttributes(provider3, audited);

        uint256 orderId = _placementOrder(_attrs1("audit", "soc2"), _addresses(auditor1, auditor2), new address[](0));
        _bid(provider1, orderId, MAX_PRICE); // signed by both
        _expectMismatch(orderId, provider3); // signed by auditor1 only
        _expectMismatch(orderId, provider2); // signed by none
    }

    function test_createBid_placementAnyOfAuditors() public {
        IProviderRegistry.Attribute[] memory audited = _attrs1("audit", "soc2");
        vm.prank(auditor2);
        registry.signAttributes(provider2, audited);

        uint256 orderId = _placementOrder(_attrs1("audit", "soc2"), new address[](0), _addresses(auditor1, auditor2));
        _bid(provider2, orderId, MAX_PRICE); // auditor2 is enough
        _expectMismatch(orderId, provider1);
    }

    function test_createBid_placementWithAuditorsIgnoresSelfDeclaredAttributes() public {
        // provider1 declares region=eu itself, but the order only trusts auditor1.
        uint256 orderId = _placementOrder(_attrs1("region", "eu"), _addresses(auditor1), new address[](0));
        _expectMismatch(orderId, provider1);
        vm.prank(auditor1);
        registry.signAttributes(provider1, _attrs1("region", "eu"));
        _bid(provider1, orderId, MAX_PRICE);
    }

    function test_createBid_placementRevokedAuditorSignature() public {
        vm.prank(auditor1);
        registry.signAttributes(provider1, _attrs1("audit", "soc2"));
        vm.prank(auditor1);
        registry.revokeAttributes(provider1);
        uint256 orderId = _placementOrder(_attrs1("audit", "soc2"), new address[](0), _addresses(auditor1));
        _expectMismatch(orderId, provider1);
    }

    // ------------------------------------------------------------ acceptBid

    function test_acceptBid_leasesToBestBidAndLocksStake() public {
        uint256 orderId = _openBatchOrder();
        _bid(provider3, orderId, MAX_PRICE);
        _bid(provider2, orderId, MAX_PRICE / 2);
        skip(100);
        uint256 minStake = _minStake();

        // The tenant accepts before the window ends; the lease goes to the best bid.
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseCreated(
            orderId, tenant, provider2, MAX_PRICE / 2, uint64(block.timestamp + JOB_TIMEOUT)
        );
        vm.prank(tenant);
        uint256 leaseId = market.acceptBid(orderId);

        assertEq(leaseId, orderId);
        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Leased));
        assertEq(o.bestBidder, provider2, "the winning bid");
        assertEq(o.bestPricePerSecond, MAX_PRICE / 2);

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.tenant, tenant);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active));
        assertEq(l.takeRateBps, params.takeRateBps());
        assertEq(l.provider, provider2);
        assertEq(l.startedAt, block.timestamp);
        assertEq(l.settledAt, block.timestamp);
        assertEq(l.closedAt, 0);
        assertEq(l.deadline, block.timestamp + JOB_TIMEOUT);
        assertEq(l.pricePerSecond, MAX_PRICE / 2);
        // The job's price is fixed and held from the start, inside the escrow until the lease ends.
        assertEq(l.held, MAX_PRICE / 2 * JOB_TIMEOUT);
        assertEq(o.escrow, DEPOSIT);
        // The first lease locks minProviderStake in Staking; the outbid provider locks nothing.
        assertEq(staking.lockedOf(provider2, PROVIDER_ROLE), minStake);
        assertEq(staking.lockedOf(provider3, PROVIDER_ROLE), 0);
        (uint256 open, uint256 locked) = market.providerStake(provider2);
        assertEq(open, 1);
        assertEq(locked, minStake);
        assertEq(token.balanceOf(address(market)), DEPOSIT, "no token moved");
    }

    function test_acceptBid_serviceLeaseHasNoDeadline() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        assertEq(market.getLease(leaseId).deadline, 0);
        assertEq(market.getLease(leaseId).held, 0);
    }

    function test_acceptBid_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 1));
        vm.prank(tenant);
        market.acceptBid(1);
    }

    function test_acceptBid_revertsWhenNotTenant() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, orderId, provider1));
        vm.prank(provider1);
        market.acceptBid(orderId);
        // Not even after the window (that is closeAuction's job).
        skip(BID_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, orderId, stranger));
        vm.prank(stranger);
        market.acceptBid(orderId);
    }

    function test_acceptBid_revertsWhenNoBids() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNoBids.selector, orderId));
        vm.prank(tenant);
        market.acceptBid(orderId);
    }

    function test_acceptBid_revertsWhenAlreadyLeased() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        _accept(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Leased
            )
        );
        vm.prank(tenant);
        market.acceptBid(orderId);
    }

    function test_acceptBid_revertsWhenOrderCanceled() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(tenant);
        market.cancelOrder(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        vm.prank(tenant);
        market.acceptBid(orderId);
    }

    /// @dev The bidder unstaked after bidding: its bid cannot be leased; the tenant may cancel.
    function test_acceptBid_revertsWhenStakeGone() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        uint256 minStake = _minStake();
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE - minStake / 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, minStake / 2, minStake
            )
        );
        vm.prank(tenant);
        market.acceptBid(orderId);
        assertEq(uint8(market.getOrder(orderId).state), uint8(IComputeMarket.OrderState.Open));

        vm.prank(tenant);
        market.cancelOrder(orderId);
        assertEq(_balanceOf(tenant), DEPOSIT);
    }

    /// @dev A provider may bid on more orders than its stake covers; the second lease needs stake
    ///      for two and is refused.
    function test_acceptBid_revertsWhenStakeBacksAnotherLease() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake);
        uint256 a = _openServiceOrder();
        uint256 b = _openServiceOrder();
        _bid(small, a, MAX_PRICE);
        _bid(small, b, MAX_PRICE);
        _accept(a);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, small, 0, minStake)
        );
        vm.prank(tenant);
        market.acceptBid(b);
    }

    /// @dev Another module's slash of the PROVIDER role (the market assumes it is the only slasher of
    ///      that role, see ComputeMarket's storage notes) leaves the provider under minProviderStake: the
    ///      registry refuses its new bids. (A bid made before such a slash can still be leased: the
    ///      market trusts its own lock record, so that a returning provider's lease reads no Staking.)
    function test_createBid_refusedAfterAnotherModuleSlashedTheKeptLock() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake);
        uint256 first = _leaseTo(small, _serviceParams(), MAX_PRICE);
        vm.prank(tenant);
        market.closeLease(first); // the lock stays: minStake locked, no open lease

        // Another module with SLASHER_ROLE slashes 60% of it; Staking clamps its lock to the stake left.
        address otherModule = makeAddr("otherModule");
        vm.startPrank(owner);
        staking.grantRole(staking.SLASHER_ROLE(), otherModule);
        vm.stopPrank();
        uint256 left = minStake * 4 / 10;
        vm.prank(otherModule);
        staking.slash(small, PROVIDER_ROLE, minStake - left, address(0));
        assertEq(staking.stakeOf(small, PROVIDER_ROLE), left);
        assertEq(staking.lockedOf(small, PROVIDER_ROLE), left);

        uint256 other = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderNotEligible.selector, small));
        _bid(small, other, MAX_PRICE);
    }

    // ------------------------------------------------------------ closeAuction

    function test_closeAuction_leasesToBestBid() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, 5e14);
        _bid(provider2, orderId, 3e14);
        vm.warp(market.getOrder(orderId).bidDeadline);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseCreated(orderId, tenant, provider2, 3e14, 0);
        vm.prank(keeper); // anyone
        uint256 leaseId = market.closeAuction(orderId);

        assertEq(leaseId, orderId);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.provider, provider2);
        assertEq(l.pricePerSecond, 3e14);
        assertEq(l.startedAt, block.timestamp);
        assertEq(staking.lockedOf(provider2, PROVIDER_ROLE), _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_closeAuction_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 1));
        market.closeAuction(1);
    }

    function test_closeAuction_revertsWhenWindowOpen() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        uint64 deadline = market.getOrder(orderId).bidDeadline;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidWindowOpen.selector, orderId, deadline));
        market.closeAuction(orderId);
    }

    function test_closeAuction_revertsWhenNoBids() public {
        uint256 orderId = _openServiceOrder();
        skip(BID_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNoBids.selector, orderId));
        market.closeAuction(orderId);
    }

    function test_closeAuction_revertsWhenAlreadyLeased() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        skip(BID_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Leased
            )
        );
        market.closeAuction(leaseId);
    }

    function test_closeAuction_revertsWhenOrderCanceled() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(orderId);
        skip(BID_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        market.closeAuction(orderId);
    }

    /// @dev An ungrouped order whose best bidder lost its stake reverts; its tenant may cancel.
    function test_closeAuction_revertsWhenStakeGone() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        skip(BID_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, 0, _minStake())
        );
        market.closeAuction(orderId);
    }

    // ------------------------------------------------------------ the lazy stake lock

    /// @dev A second concurrent lease locks one more minProviderStake; when the leases end the lock
    ///      stays (a returning provider writes nothing in Staking) until releaseStake frees it.
    function test_stakeLock_growsPerOpenLeaseAndStaysAfterLeasesEnd() public {
        uint256 minStake = _minStake();
        uint256 a = _serviceLease(MAX_PRICE);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), minStake);

        uint256 b = _openBatchOrder();
        _bid(provider1, b, MAX_PRICE);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.StakeLocked(provider1, PROVIDER_ROLE, address(market), minStake);
        vm.prank(tenant);
        market.acceptBid(b);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 2 * minStake);
        (uint256 open, uint256 locked) = market.providerStake(provider1);
        assertEq(open, 2);
        assertEq(locked, 2 * minStake);

        vm.prank(tenant);
        market.closeLease(a);
        _submit(b);
        vm.prank(tenant);
        market.acceptResult(b);
        (open, locked) = market.providerStake(provider1);
        assertEq(open, 0);
        assertEq(locked, 2 * minStake, "kept after the leases end");
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 2 * minStake);

        // A returning provider's lease locks nothing more: no StakeLocked.
        vm.recordLogs();
        uint256 c = _serviceLease(MAX_PRICE);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertFalse(logs[i].emitter == address(staking), "no Staking write");
        }
        assertEq(market.getLease(c).provider, provider1);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 2 * minStake);
    }

    function test_releaseStake_freesWhatNoOpenLeaseNeeds() public {
        uint256 minStake = _minStake();
        uint256 a = _serviceLease(MAX_PRICE);
        uint256 b = _serviceLease(MAX_PRICE);
        vm.prank(tenant);
        market.closeLease(a);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.StakeReleased(provider1, minStake);
        vm.prank(provider1);
        assertEq(market.releaseStake(), minStake, "one lease still open: one stake kept");
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), minStake);
        (uint256 open, uint256 locked) = market.providerStake(provider1);
        assertEq(open, 1);
        assertEq(locked, minStake);

        vm.prank(tenant);
        market.closeLease(b);
        vm.prank(provider1);
        assertEq(market.releaseStake(), minStake);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
        assertEq(_lockedByMarket(provider1), 0);

        // Now all of it can be unstaked.
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), 0);
    }

    /// @dev Nothing beyond the open leases' needs: releaseStake frees nothing and emits nothing.
    function test_releaseStake_returnsZeroWhenNothingToRelease() public {
        vm.recordLogs();
        vm.prank(provider1);
        assertEq(market.releaseStake(), 0, "never leased");
        assertEq(vm.getRecordedLogs().length, 0);

        _serviceLease(MAX_PRICE);
        vm.recordLogs();
        vm.prank(provider1);
        assertEq(market.releaseStake(), 0, "the open lease needs all of it");
        assertEq(vm.getRecordedLogs().length, 0);
        uint256 minStake = _minStake();
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), minStake);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientUnlockedStake.selector,
                provider1,
                PROVIDER_ROLE,
                PROVIDER_STAKE,
                PROVIDER_STAKE - minStake
            )
        );
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
    }

    /// @dev A missed deadline slashed a provider whose whole stake was locked: Staking clamped its
    ///      lock to the stake left. releaseStake returns (and reports) what Staking unlocked.
    function test_releaseStake_reportsWhatStakingUnlockedAfterSlash() public {
        address small = makeAddr("smallProvider");
        uint256 minStake = _minStake();
        _registerProvider(small, _attrs1("region", "eu"), minStake);
        uint256 id = _leaseTo(small, _batchParams(), MAX_PRICE);
        skip(JOB_TIMEOUT + 1);
        vm.prank(keeper);
        market.expireLease(id);
        uint256 left = minStake - _deadlineSlash();
        assertEq(staking.stakeOf(small, PROVIDER_ROLE), left);
        assertEq(staking.lockedOf(small, PROVIDER_ROLE), left, "Staking keeps locked <= staked");

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.StakeReleased(small, left);
        vm.prank(small);
        assertEq(market.releaseStake(), left, "the amount unlocked");
        assertEq(staking.lockedOf(small, PROVIDER_ROLE), 0);
        assertEq(_lockedByMarket(small), 0);
    }

    /// @dev releaseStake only touches the caller's own lock.
    function test_releaseStake_onlyCallersLock() public {
        uint256 a = _serviceLease(MAX_PRICE);
        vm.prank(tenant);
        market.closeLease(a);
        vm.prank(provider2);
        assertEq(market.releaseStake(), 0);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());
    }

    function test_providerStake_isZeroForUnknownProvider() public view {
        (uint256 open, uint256 locked) = market.providerStake(stranger);
        assertEq(open, 0);
        assertEq(locked, 0);
    }

    // ------------------------------------------------------------ helpers

    function _extraProvider(string memory name) private returns (address who) {
        who = makeAddr(name);
        _registerProvider(who, _attrs1("region", "eu"));
    }
}
