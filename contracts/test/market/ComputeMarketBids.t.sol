// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice createBid, cancelBid, acceptBid, closeAuction and placement matching through the market.
contract ComputeMarketBidsTest is MarketFixture {
    // ------------------------------------------------------------ createBid

    function test_createBid_escrowsDepositAndRecordsBid() public {
        uint256 orderId = _openServiceOrder();
        uint256 providerBefore = token.balanceOf(provider1);
        skip(10);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidCreated(orderId, provider1, 0, MAX_PRICE / 2, 6 ether);
        vm.prank(provider1);
        uint256 bidIndex = market.createBid(orderId, MAX_PRICE / 2, 6 ether);

        assertEq(bidIndex, 0);
        assertEq(token.balanceOf(provider1), providerBefore - 6 ether);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 6 ether);
        IComputeMarket.Bid memory b = market.getBid(orderId, 0);
        assertEq(b.provider, provider1);
        assertEq(uint8(b.state), uint8(IComputeMarket.BidState.Open));
        assertEq(b.createdAt, block.timestamp);
        assertEq(b.pricePerSecond, MAX_PRICE / 2);
        assertEq(b.deposit, 6 ether);
        assertEq(market.getOrder(orderId).bidCount, 1);

        assertEq(_bid(provider2, orderId, MAX_PRICE), 1); // at the max price exactly
        assertEq(market.getBids(orderId).length, 2);
        assertEq(market.getOrder(orderId).bidCount, 2);
    }

    function test_createBid_acceptsLastSecondOfWindow() public {
        uint256 orderId = _openServiceOrder();
        skip(BID_WINDOW - 1);
        assertEq(_bid(provider1, orderId, MAX_PRICE), 0);
    }

    function test_createBid_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 3));
        _bid(provider1, 3, MAX_PRICE);
    }

    function test_createBid_revertsWhenOrderLeased() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Leased
            )
        );
        _bid(provider2, leaseId, MAX_PRICE);
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

    function test_createBid_revertsWhenPriceZero() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(IComputeMarket.MarketZeroPrice.selector);
        _bid(provider1, orderId, 0);
    }

    function test_createBid_revertsWhenPriceAboveMax() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidAbovePrice.selector, orderId, MAX_PRICE + 1, MAX_PRICE)
        );
        _bid(provider1, orderId, MAX_PRICE + 1);
    }

    function test_createBid_revertsWhenDepositTooLow() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidDepositTooLow.selector, MIN_BID_DEPOSIT - 1, MIN_BID_DEPOSIT)
        );
        _bid(provider1, orderId, MAX_PRICE, MIN_BID_DEPOSIT - 1);
    }

    function test_createBid_revertsWhenTooManyBids() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.maxBids = 2;
        uint256 orderId = _createOrder(tenant, p);
        _bid(provider1, orderId, MAX_PRICE);
        _bid(provider2, orderId, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTooManyBids.selector, orderId, 2));
        _bid(provider3, orderId, MAX_PRICE);
        // A canceled bid frees its slot (finding 3).
        vm.prank(provider2);
        market.cancelBid(orderId, 1);
        _bid(provider3, orderId, MAX_PRICE);
        assertEq(market.getOrder(orderId).bidCount, 2);
    }

    function test_createBid_revertsWhenDuplicate() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDuplicateBid.selector, orderId, provider1));
        _bid(provider1, orderId, MAX_PRICE / 2);
    }

    function test_createBid_revertsWhenRebiddingAfterCancel() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDuplicateBid.selector, orderId, provider1));
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

    // ------------------------------------------------------------ placement

    function _placementOrder(IProviderRegistry.Attribute[] memory attrs, address[] memory allOf, address[] memory anyOf)
        private
        returns (uint256)
    {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.placement.attributes = attrs;
        p.placement.allOf = allOf;
        p.placement.anyOf = anyOf;
        return _createOrder(tenant, p);
    }

    function _expectMismatch(uint256 orderId, address provider) private {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketPlacementMismatch.selector, orderId, provider));
        _bid(provider, orderId, MAX_PRICE);
    }

    function test_createBid_placementOrderNeedsItsPlacement() public {
        uint256 orderId = _placementOrder(_attrs1("region", "eu"), new address[](0), new address[](0));
        bytes32 expected = market.getOrder(orderId).placementHash;
        assertEq(expected, keccak256(abi.encode(_placementOf(orderId))));
        // The 3-argument form cannot bid on an order with placement requirements.
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketWrongPlacement.selector, orderId, expected, 0));
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE, BID_DEPOSIT);
        // Nor can another placement (here a weaker one that provider2, region=us, would match).
        IProviderRegistry.Placement memory other;
        other.attributes = _attrs1("tier", "community");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketWrongPlacement.selector, orderId, expected, keccak256(abi.encode(other))
            )
        );
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE, BID_DEPOSIT, other);
        // Nor an empty one.
        IProviderRegistry.Placement memory none;
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketWrongPlacement.selector, orderId, expected, 0));
        vm.prank(provider1);
        market.createBid(orderId, MAX_PRICE, BID_DEPOSIT, none);
        _bid(provider1, orderId, MAX_PRICE); // with the order's placement
    }

    function test_createBid_emptyPlacementOnOrderWithoutPlacement() public {
        uint256 orderId = _openServiceOrder();
        IProviderRegistry.Placement memory none;
        vm.prank(provider1);
        assertEq(market.createBid(orderId, MAX_PRICE, BID_DEPOSIT, none), 0);
        IProviderRegistry.Placement memory some;
        some.attributes = _attrs1("region", "eu");
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketWrongPlacement.selector, orderId, 0, keccak256(abi.encode(some)))
        );
        vm.prank(provider2);
        market.createBid(orderId, MAX_PRICE, BID_DEPOSIT, some);
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

    function test_createBid_placementKeyWildcard() public {
        uint256 orderId =
            _placementOrder(_attrs1("gpu/vendor/nvidia/model/*", "true"), new address[](0), new address[](0));
        _bid(provider1, orderId, MAX_PRICE); // a100
        _bid(provider2, orderId, MAX_PRICE); // h100
        _expectMismatch(orderId, provider3); // amd

        uint256 anyVendor = _placementOrder(_attrs1("gpu/vendor/*/model/*", "true"), new address[](0), new address[](0));
        _bid(provider1, anyVendor, MAX_PRICE);
        _bid(provider3, anyVendor, MAX_PRICE);
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

    // ------------------------------------------------------------ cancelBid

    function test_cancelBid_refundsDeposit() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE, 9 ether);
        uint256 before = token.balanceOf(provider1);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidClosed(orderId, provider1, 0, IComputeMarket.BidState.Canceled);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);

        // Pulled, less the cancel forfeit, which joins the tenant's escrow.
        uint256 forfeit = 9 ether * market.CANCEL_FORFEIT_BPS() / BPS;
        assertEq(token.balanceOf(provider1), before);
        assertEq(market.earnings(provider1, address(token)), 9 ether - forfeit);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + forfeit);
        vm.prank(provider1);
        market.withdraw(address(token));
        assertEq(token.balanceOf(provider1), before + 9 ether - forfeit);
        assertEq(token.balanceOf(address(market)), DEPOSIT + forfeit);
        assertEq(uint8(market.getBid(orderId, 0).state), uint8(IComputeMarket.BidState.Canceled));
        assertEq(market.getOrder(orderId).bidCount, 0);
    }

    function test_cancelBid_allowedAfterWindow() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        skip(BID_WINDOW * 2);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
        assertEq(uint8(market.getBid(orderId, 0).state), uint8(IComputeMarket.BidState.Canceled));
    }

    function test_cancelBid_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 5));
        vm.prank(provider1);
        market.cancelBid(5, 0);
    }

    function test_cancelBid_revertsWhenBidUnknown() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownBid.selector, orderId, 0));
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
    }

    function test_cancelBid_revertsWhenNotBidder() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotBidder.selector, orderId, 0, provider2));
        vm.prank(provider2);
        market.cancelBid(orderId, 0);
    }

    function test_cancelBid_revertsWhenAlreadyCanceled() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketBidNotOpen.selector, orderId, 0, IComputeMarket.BidState.Canceled
            )
        );
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
    }

    function test_cancelBid_revertsWhenWon() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidNotOpen.selector, leaseId, 0, IComputeMarket.BidState.Won)
        );
        vm.prank(provider1);
        market.cancelBid(leaseId, 0);
    }

    function test_cancelBid_revertsWhenLost() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        _bid(provider2, orderId, MAX_PRICE);
        _accept(orderId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketBidNotOpen.selector, orderId, 1, IComputeMarket.BidState.Lost)
        );
        vm.prank(provider2);
        market.cancelBid(orderId, 1);
    }

    // ------------------------------------------------------------ acceptBid

    function test_acceptBid_startsLeaseAndRefundsOtherBids() public {
        uint256 orderId = _batchParamsOrder();
        _bid(provider1, orderId, MAX_PRICE / 4, 6 ether);
        _bid(provider2, orderId, MAX_PRICE / 2, 7 ether);
        _bid(provider3, orderId, MAX_PRICE, 8 ether);
        skip(100);
        uint256 p1Before = token.balanceOf(provider1);
        uint256 p2Before = token.balanceOf(provider2);
        uint256 p3Before = token.balanceOf(provider3);

        // The tenant may pick any open bid, not only the cheapest, and before the window ends.
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseCreated(
            orderId, tenant, provider2, 1, MAX_PRICE / 2, uint64(block.timestamp + JOB_TIMEOUT)
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(
            orderId, provider2, MAX_PRICE / 2 * JOB_TIMEOUT, DEPOSIT - MAX_PRICE / 2 * JOB_TIMEOUT
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidClosed(orderId, provider1, 0, IComputeMarket.BidState.Lost);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidClosed(orderId, provider3, 2, IComputeMarket.BidState.Lost);
        vm.prank(tenant);
        uint256 leaseId = market.acceptBid(orderId, 1);

        assertEq(leaseId, orderId);
        // Losing deposits are credited (pull payments, finding 8), not pushed.
        assertEq(token.balanceOf(provider1), p1Before);
        assertEq(token.balanceOf(provider2), p2Before);
        assertEq(token.balanceOf(provider3), p3Before);
        assertEq(market.earnings(provider1, address(token)), 6 ether);
        assertEq(market.earnings(provider2, address(token)), 0);
        assertEq(market.earnings(provider3, address(token)), 8 ether);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 6 ether + 7 ether + 8 ether);

        assertEq(uint8(market.getOrder(orderId).state), uint8(IComputeMarket.OrderState.Leased));
        assertEq(uint8(market.getBid(orderId, 0).state), uint8(IComputeMarket.BidState.Lost));
        assertEq(uint8(market.getBid(orderId, 1).state), uint8(IComputeMarket.BidState.Won));
        assertEq(uint8(market.getBid(orderId, 2).state), uint8(IComputeMarket.BidState.Lost));

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.tenant, tenant);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active));
        assertEq(l.takeRateBps, params.takeRateBps());
        assertEq(l.provider, provider2);
        assertEq(l.bidIndex, 1);
        assertEq(l.startedAt, block.timestamp);
        assertEq(l.settledAt, block.timestamp);
        assertEq(l.closedAt, 0);
        assertEq(l.deadline, block.timestamp + JOB_TIMEOUT);
        assertEq(l.pricePerSecond, MAX_PRICE / 2);
        // The job's price is fixed and held from the start (finding 1); the stake a missed
        // deadline would slash is locked (finding 5).
        assertEq(l.held, MAX_PRICE / 2 * JOB_TIMEOUT);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT - MAX_PRICE / 2 * JOB_TIMEOUT);
        assertEq(l.paid, 0);
        assertEq(l.stakeLocked, PROVIDER_STAKE * params.missedDeadlineSlashBps() / BPS);
        assertEq(staking.lockedOf(provider2, PROVIDER_ROLE), l.stakeLocked);
    }

    function test_acceptBid_serviceLeaseHasNoDeadline() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        assertEq(market.getLease(leaseId).deadline, 0);
    }

    function test_acceptBid_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 1));
        vm.prank(tenant);
        market.acceptBid(1, 0);
    }

    function test_acceptBid_revertsWhenNotTenant() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, orderId, provider1));
        vm.prank(provider1);
        market.acceptBid(orderId, 0);
    }

    function test_acceptBid_revertsWhenAlreadyLeased() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        _bid(provider2, orderId, MAX_PRICE);
        _accept(orderId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Leased
            )
        );
        vm.prank(tenant);
        market.acceptBid(orderId, 1);
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
        market.acceptBid(orderId, 0);
    }

    function test_acceptBid_revertsWhenBidUnknown() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownBid.selector, orderId, 0));
        vm.prank(tenant);
        market.acceptBid(orderId, 0);
    }

    function test_acceptBid_revertsWhenBidCanceled() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketBidNotOpen.selector, orderId, 0, IComputeMarket.BidState.Canceled
            )
        );
        vm.prank(tenant);
        market.acceptBid(orderId, 0);
    }

    // ------------------------------------------------------------ closeAuction

    function test_closeAuction_picksLowestEarliestBidAndRefundsLosers() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, 5e14, 6 ether);
        _bid(provider2, orderId, 3e14, 7 ether); // lowest, first at that price
        _bid(provider3, orderId, 3e14, 8 ether); // same price, later
        uint256 p1Before = token.balanceOf(provider1);
        uint256 p3Before = token.balanceOf(provider3);
        vm.warp(market.getOrder(orderId).bidDeadline);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseCreated(orderId, tenant, provider2, 1, 3e14, 0);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidClosed(orderId, provider1, 0, IComputeMarket.BidState.Lost);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.BidClosed(orderId, provider3, 2, IComputeMarket.BidState.Lost);
        vm.prank(keeper); // anyone
        uint256 leaseId = market.closeAuction(orderId);

        assertEq(leaseId, orderId);
        assertEq(token.balanceOf(provider1), p1Before);
        assertEq(token.balanceOf(provider3), p3Before);
        assertEq(market.earnings(provider1, address(token)), 6 ether);
        assertEq(market.earnings(provider3, address(token)), 8 ether);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 6 ether + 7 ether + 8 ether);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.provider, provider2);
        assertEq(l.bidIndex, 1);
        assertEq(l.pricePerSecond, 3e14);
        assertEq(l.startedAt, block.timestamp);
    }

    function test_closeAuction_skipsCanceledBids() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, 1e14);
        _bid(provider2, orderId, 2e14);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
        skip(BID_WINDOW);
        market.closeAuction(orderId);
        assertEq(market.getLease(orderId).provider, provider2);
        assertEq(uint8(market.getBid(orderId, 0).state), uint8(IComputeMarket.BidState.Canceled));
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

    function test_closeAuction_revertsWhenAllBidsCanceled() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider1, orderId, MAX_PRICE);
        vm.prank(provider1);
        market.cancelBid(orderId, 0);
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

    function testFuzz_closeAuction_picksLowestEarliest(uint256[5] memory prices, uint8 cancelMask) public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        uint256 orderId = _createOrder(tenant, p);
        address[5] memory bidders = [provider1, provider2, provider3, _extraProvider("p4"), _extraProvider("p5")];
        uint256 best = type(uint256).max;
        uint256 bestPrice = type(uint256).max;
        for (uint256 i; i < 5; ++i) {
            prices[i] = bound(prices[i], 1, 4); // small range: many ties
            _bid(bidders[i], orderId, prices[i]);
            bool canceled = (cancelMask >> i) & 1 == 1 && i != 4; // keep at least one bid open
            if (canceled) {
                vm.prank(bidders[i]);
                market.cancelBid(orderId, i);
            } else if (prices[i] < bestPrice) {
                best = i;
                bestPrice = prices[i];
            }
        }
        skip(BID_WINDOW);
        market.closeAuction(orderId);
        IComputeMarket.Lease memory l = market.getLease(orderId);
        assertEq(l.bidIndex, best);
        assertEq(l.pricePerSecond, bestPrice);
        for (uint256 i; i < 5; ++i) {
            IComputeMarket.BidState s = market.getBid(orderId, i).state;
            if (i == best) assertEq(uint8(s), uint8(IComputeMarket.BidState.Won));
            else assertTrue(s == IComputeMarket.BidState.Lost || s == IComputeMarket.BidState.Canceled);
        }
        // Every other deposit was credited to its bidder (less the forfeit of a canceled one, which
        // joined the escrow): the market still holds them all until withdrawn.
        assertEq(token.balanceOf(address(market)), DEPOSIT + 5 * BID_DEPOSIT);
        uint256 credited;
        for (uint256 i; i < 5; ++i) {
            credited += market.earnings(bidders[i], address(token));
        }
        assertEq(credited + BID_DEPOSIT + market.getOrder(orderId).escrow, DEPOSIT + 5 * BID_DEPOSIT);
    }

    // ------------------------------------------------------------ views

    function test_getBid_revertsWhenBidUnknown() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownBid.selector, orderId, 0));
        market.getBid(orderId, 0);
    }

    // ------------------------------------------------------------ helpers

    function _batchParamsOrder() private returns (uint256) {
        return _createOrder(tenant, _batchParams());
    }

    function _extraProvider(string memory name) private returns (address who) {
        who = makeAddr(name);
        _registerProvider(who, _attrs1("region", "eu"));
    }
}
