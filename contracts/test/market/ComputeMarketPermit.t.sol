// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice createOrderWithPermit / depositWithPermit: the tenant escrows with an EIP-2612 permit
///         instead of an approve transaction.
contract ComputeMarketPermitTest is MarketFixture {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    address private signer;
    uint256 private signerKey;

    function setUp() public override {
        super.setUp();
        (signer, signerKey) = makeAddrAndKey("permitTenant");
        // Funded without any approval: only permits let the market take its tokens.
        vm.prank(treasury);
        assertTrue(token.transfer(signer, TENANT_FUNDS));
    }

    function _permit(uint256 key, address owner_, uint256 value, uint256 deadline)
        private
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner_, address(market), value, token.nonces(owner_), deadline));
        (v, r, s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    function _createWithPermit(IComputeMarket.OrderParams memory p, uint256 key, uint256 value, uint256 deadline)
        private
        returns (uint256)
    {
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, signer, value, deadline);
        vm.prank(signer);
        return market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_escrowsWithoutApproval() public {
        assertEq(token.allowance(signer, address(market)), 0);
        uint256 before = token.balanceOf(address(market));
        uint256 orderId = _createWithPermit(_batchParams(), signerKey, DEPOSIT, block.timestamp + 1 hours);
        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(o.tenant, signer);
        assertEq(o.escrow, DEPOSIT);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Open));
        assertEq(token.balanceOf(address(market)), before + DEPOSIT);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT);
        assertEq(token.allowance(signer, address(market)), 0, "the permit's allowance is used up");
        assertEq(token.nonces(signer), 1);
    }

    function test_createOrderWithPermit_acceptsFrontRunPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, DEPOSIT, deadline);
        // Someone copies the permit from the mempool and submits it first: the nonce is spent, the
        // allowance is set; the order still opens.
        vm.prank(stranger);
        token.permit(signer, address(market), DEPOSIT, deadline, v, r, s);
        vm.prank(signer);
        uint256 orderId = market.createOrderWithPermit(_batchParams(), deadline, v, r, s);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
        assertEq(token.allowance(signer, address(market)), 0);
    }

    function test_createOrderWithPermit_revertsWhenSignedByAnother() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(provider1Key, signer, DEPOSIT, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_revertsAfterDeadline() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, DEPOSIT, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_revertsWhenPermitIsForLess() public {
        uint256 deadline = block.timestamp + 1 hours;
        // Signed for less than the deposit: the signature does not match the value the market passes.
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, DEPOSIT - 1, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_revertsOnReplayedPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, DEPOSIT, deadline);
        vm.startPrank(signer);
        market.createOrderWithPermit(_batchParams(), deadline, v, r, s);
        // The same signature again: nonce used, allowance consumed.
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(_batchParams(), deadline, v, r, s);
        vm.stopPrank();
    }

    function test_createOrderWithPermit_validatesTheOrder() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        p.deposit = MIN_ORDER_DEPOSIT - 1;
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, p.deposit, deadline);
        vm.prank(signer);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketDepositTooLow.selector, p.deposit, MIN_ORDER_DEPOSIT)
        );
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_badPermitWithAllowanceStillPays() public {
        // A tenant that approved the market (the approve path) is not blocked by a stale permit.
        vm.prank(signer);
        token.approve(address(market), DEPOSIT);
        uint256 orderId = _createWithPermit(_batchParams(), provider1Key, DEPOSIT, block.timestamp + 1 hours);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
        assertEq(token.allowance(signer, address(market)), 0);
    }

    function test_depositWithPermit_topsUpOrder() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, block.timestamp + 1 hours);
        uint256 topUp = 7 ether;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, topUp, block.timestamp + 1 hours);
        vm.expectEmit(address(market));
        emit IComputeMarket.EscrowDeposited(orderId, signer, topUp);
        vm.prank(signer);
        market.depositWithPermit(orderId, topUp, block.timestamp + 1 hours, v, r, s);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + topUp);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT - topUp);
        assertEq(token.nonces(signer), 2);
    }

    function test_depositWithPermit_topsUpActiveLease() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, block.timestamp + 1 hours);
        uint256 bidIndex = _bid(provider1, orderId, MAX_PRICE / 2);
        _accept(orderId, bidIndex);
        vm.warp(block.timestamp + 100);
        uint256 topUp = 3 ether;
        (uint8 v, bytes32 r, bytes32 s) = _permit(signerKey, signer, topUp, block.timestamp + 1 hours);
        vm.prank(signer);
        market.depositWithPermit(orderId, topUp, block.timestamp + 1 hours, v, r, s);
        // Settled first (100 s at MAX_PRICE / 2), then topped up.
        assertEq(market.getOrder(orderId).escrow, DEPOSIT - 100 * (MAX_PRICE / 2) + topUp);
    }

    function test_depositWithPermit_revertsOnBadPermit() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, block.timestamp + 1 hours);
        (uint8 v, bytes32 r, bytes32 s) = _permit(provider2Key, signer, 1 ether, block.timestamp + 1 hours);
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, 1 ether));
        market.depositWithPermit(orderId, 1 ether, block.timestamp + 1 hours, v, r, s);
    }

    function test_depositWithPermit_revertsOnZeroAmount() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, block.timestamp + 1 hours);
        vm.prank(signer);
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        market.depositWithPermit(orderId, 0, block.timestamp + 1 hours, 27, bytes32(0), bytes32(0));
    }

    function test_depositWithPermit_revertsOnUnknownOrder() public {
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 99));
        market.depositWithPermit(99, 1 ether, block.timestamp + 1 hours, 27, bytes32(0), bytes32(0));
    }
}
