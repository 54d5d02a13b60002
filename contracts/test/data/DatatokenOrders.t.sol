// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {DataNFT} from "../../src/data/DataNFT.sol";
import {Datatoken} from "../../src/data/Datatoken.sol";
import {IDatatoken} from "../../src/data/IDatatoken.sol";
import {DataFixture} from "./DataFixture.sol";

contract DatatokenOrdersTest is DataFixture {
    DataNFT internal nft;
    Datatoken internal dt;
    bytes32 internal exId;

    function setUp() public override {
        super.setUp();
        (nft, dt,, exId) = _publish(0.5 ether, 0);
        _buy(exId, 3 ether);
        vm.prank(buyer);
        noos.approve(address(dt), type(uint256).max);
    }

    function _order(IDatatoken.ProviderFee memory f, IDatatoken.Fee memory consumeFee) internal returns (uint256) {
        vm.prank(buyer);
        return dt.startOrder(buyer, 0, f, consumeFee);
    }

    function test_startOrder_burnsOneDtAndPaysEveryFee() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0.25 ether, 1 hours);
        IDatatoken.Fee memory cf = IDatatoken.Fee(consumeMarket, address(noos), 0.1 ether);
        uint256 buyerBefore = noos.balanceOf(buyer);
        uint256 supply = dt.totalSupply();
        vm.expectEmit(address(dt));
        emit IDatatoken.OrderStarted(1, buyer, buyer, 0, provider, uint64(block.timestamp + 1 hours), publishMarket);
        uint256 id = _order(f, cf);
        assertEq(id, 1);
        assertEq(dt.totalSupply(), supply - 1 ether, "1 DT burned");
        assertEq(dt.balanceOf(buyer), 2 ether);
        assertEq(noos.balanceOf(publishMarket), 0.5 ether);
        assertEq(noos.balanceOf(consumeMarket), 0.1 ether);
        assertEq(noos.balanceOf(provider), 0.25 ether);
        assertEq(buyerBefore - noos.balanceOf(buyer), 0.85 ether, "fees paid = what the buyer lost");
        IDatatoken.Order memory o = dt.getOrder(1);
        assertEq(o.consumer, buyer);
        assertEq(o.provider, provider);
        assertEq(dt.latestOrder(buyer, 0), 1);
        assertTrue(dt.hasValidOrder(buyer, 0));
        assertFalse(dt.hasValidOrder(publisher, 0));
    }

    /// The quote is signed now and included 4 minutes later: access still lasts the full hour.
    function test_startOrder_validityCountsFromInclusion() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
        vm.warp(block.timestamp + 4 minutes);
        _order(f, _noFee());
        assertEq(dt.getOrder(1).validUntil, block.timestamp + 1 hours);
        vm.warp(block.timestamp + 1 hours);
        assertTrue(dt.hasValidOrder(buyer, 0));
        vm.warp(block.timestamp + 1);
        assertFalse(dt.hasValidOrder(buyer, 0));
    }

    function testFuzz_startOrder_validityCountsFromInclusion(uint64 delay, uint64 validity) public {
        delay = uint64(bound(delay, 0, 5 minutes));
        validity = uint64(bound(validity, 1, 365 days));
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, validity);
        vm.warp(block.timestamp + delay);
        _order(f, _noFee());
        assertEq(dt.getOrder(1).validUntil, block.timestamp + validity);
        assertEq(dt.getOrder(1).startedAt, block.timestamp);
    }

    function test_startOrder_zeroValidityNeverExpires() public {
        _order(_quote(dt, buyer, 0, 0), _noFee());
        vm.warp(block.timestamp + 3650 days);
        assertTrue(dt.hasValidOrder(buyer, 0));
    }

    function test_startOrder_revertsOnQuoteAfterDeadline() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
        vm.warp(block.timestamp + 5 minutes + 1);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenQuoteExpired.selector, f.quoteDeadline, block.timestamp));
        dt.startOrder(buyer, 0, f, _noFee());
    }

    function test_startOrder_revertsOnReusedQuote() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
        _order(f, _noFee());
        bytes32 digest = dt.providerFeeDigest(buyer, 0, f);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenQuoteUsed.selector, digest));
        dt.startOrder(buyer, 0, f, _noFee());
    }

    function test_startOrder_revertsOnForgedOrAlteredQuote() public {
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        IDatatoken.ProviderFee memory f =
            _quoteBy(otherKey, dt, buyer, 0, 1 hours, uint64(block.timestamp + 60), "");
        // Signed by `other` over a quote naming the provider.
        f.providerFeeAddress = provider;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            otherKey, MessageHashUtils.toEthSignedMessageHash(dt.providerFeeDigest(buyer, 0, f))
        );
        f.signature = abi.encodePacked(r, s, v);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenBadProviderSignature.selector, provider, other));
        dt.startOrder(buyer, 0, f, _noFee());
        // A genuine quote whose validity the buyer stretched.
        f = _quote(dt, buyer, 0, 1 hours);
        f.validity = 100 days;
        vm.prank(buyer);
        vm.expectRevert();
        dt.startOrder(buyer, 0, f, _noFee());
        // A genuine quote for someone else.
        f = _quote(dt, publisher, 0, 1 hours);
        vm.prank(buyer);
        vm.expectRevert();
        dt.startOrder(buyer, 0, f, _noFee());
    }

    function test_startOrder_revertsOnZeroProviderOrConsumer() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
        vm.prank(buyer);
        vm.expectRevert(IDatatoken.DatatokenZeroConsumer.selector);
        dt.startOrder(address(0), 0, f, _noFee());
        f.providerFeeAddress = address(0);
        vm.prank(buyer);
        vm.expectRevert(IDatatoken.DatatokenZeroProvider.selector);
        dt.startOrder(buyer, 0, f, _noFee());
    }

    function test_startOrder_revertsWithoutDatatoken() public {
        IDatatoken.ProviderFee memory f = _quote(dt, publisher, 0, 1 hours);
        vm.prank(publisher);
        vm.expectRevert(); // ERC20InsufficientBalance
        dt.startOrder(publisher, 0, f, _noFee());
    }

    function test_startOrder_revertsWhenStateDisablesOrdering() public {
        for (uint8 s = 1; s <= 4; ++s) {
            vm.prank(publisher);
            nft.setMetadataState(s);
            IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
            vm.prank(buyer);
            vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenOrderingDisabled.selector, s));
            dt.startOrder(buyer, 0, f, _noFee());
        }
        vm.prank(publisher);
        nft.setMetadataState(5); // unlisted but orderable
        _order(_quote(dt, buyer, 0, 1 hours), _noFee());
    }

    function test_reuseOrder_extendsFromInclusionAndPaysProviderOnly() public {
        _order(_quote(dt, buyer, 0.25 ether, 1 hours), _noFee());
        vm.warp(block.timestamp + 2 hours);
        assertFalse(dt.hasValidOrder(buyer, 0));
        IDatatoken.ProviderFee memory f = _quoteBy(
            providerKey, dt, buyer, 0.25 ether, 30 minutes, uint64(block.timestamp + 60), "env-2"
        );
        uint256 dtBefore = dt.balanceOf(buyer);
        vm.prank(buyer);
        dt.reuseOrder(1, f);
        assertEq(dt.getOrder(1).validUntil, block.timestamp + 30 minutes);
        assertTrue(dt.hasValidOrder(buyer, 0));
        assertEq(dt.balanceOf(buyer), dtBefore, "no datatoken spent");
        assertEq(noos.balanceOf(provider), 0.5 ether);
        // A second reuse works too (Ocean market#1465).
        f = _quoteBy(providerKey, dt, buyer, 0, 30 minutes, uint64(block.timestamp + 60), "env-3");
        vm.prank(buyer);
        dt.reuseOrder(1, f);
    }

    function test_reuseOrder_revertsOnUnknownOrderOrOtherProvider() public {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 0, 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenUnknownOrder.selector, 1));
        dt.reuseOrder(1, f);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenUnknownOrder.selector, 0));
        dt.getOrder(0);
        _order(f, _noFee());
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        f = _quoteBy(otherKey, dt, buyer, 0, 1 hours, uint64(block.timestamp + 60), "");
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenProviderMismatch.selector, provider, other));
        dt.reuseOrder(1, f);
    }

    function test_startOrder_recordsThirdPartyPayer() public {
        address consumer = makeAddr("consumer");
        IDatatoken.ProviderFee memory f = _quote(dt, consumer, 0, 1 hours);
        vm.prank(buyer);
        dt.startOrder(consumer, 0, f, _noFee());
        IDatatoken.Order memory o = dt.getOrder(1);
        assertEq(o.consumer, consumer);
        assertEq(o.payer, buyer);
        assertTrue(dt.hasValidOrder(consumer, 0));
        assertFalse(dt.hasValidOrder(buyer, 0));
        _order(_quote(dt, buyer, 0, 1 hours), _noFee());
        assertEq(dt.getOrder(2).payer, buyer, "payer == consumer is stored implicitly");
    }

    function test_providerFeeDigest_matchesEip191Signing() public view {
        IDatatoken.ProviderFee memory f = _quote(dt, buyer, 1, 60);
        bytes32 d = dt.providerFeeDigest(buyer, 0, f);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(providerKey, MessageHashUtils.toEthSignedMessageHash(d));
        assertEq(f.signature, abi.encodePacked(r, s, v));
    }
}
