// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice fundWithPermit / createOrderWithPermit / depositWithPermit: the account pays with an
///         EIP-2612 permit instead of an approve transaction. The permit entry points take the whole
///         amount by permit; the market balance is not used.
contract ComputeMarketPermitTest is MarketFixture {
    address private signer;
    uint256 private signerKey;

    function setUp() public override {
        super.setUp();
        (signer, signerKey) = makeAddrAndKey("permitTenant");
        // Funded without any approval: only permits let the market take its tokens.
        vm.prank(treasury);
        assertTrue(token.transfer(signer, TENANT_FUNDS));
    }

    function _deadline() private view returns (uint256) {
        return block.timestamp + 1 hours;
    }

    function _createWithPermit(IComputeMarket.OrderParams memory p, uint256 key, uint256 value, uint256 deadline)
        private
        returns (uint256 orderId)
    {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, signer, value, deadline);
        vm.prank(signer);
        orderId = market.createOrderWithPermit(p, deadline, v, r, s);
        _rememberPlacement(orderId, p);
    }

    function _fundWithPermit(uint256 amount) private {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, amount, _deadline());
        vm.prank(signer);
        market.fundWithPermit(address(token), amount, _deadline(), v, r, s);
    }

    // ------------------------------------------------------------ fundWithPermit

    function test_fundWithPermit_creditsBalanceWithoutApproval() public {
        assertEq(token.allowance(signer, address(market)), 0);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 30 ether, _deadline());
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.AccountFunded(signer, address(token), 30 ether);
        vm.prank(signer);
        market.fundWithPermit(address(token), 30 ether, _deadline(), v, r, s);

        assertEq(_balanceOf(signer), 30 ether);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - 30 ether);
        assertEq(token.balanceOf(address(market)), 30 ether);
        assertEq(token.allowance(signer, address(market)), 0, "the permit's allowance is used up");
        assertEq(token.nonces(signer), 1);
    }

    function test_fundWithPermit_acceptsFrontRunPermit() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 30 ether, _deadline());
        // Copied from the mempool and submitted first: the nonce is spent, the allowance is set.
        vm.prank(stranger);
        token.permit(signer, address(market), 30 ether, _deadline(), v, r, s);
        vm.prank(signer);
        market.fundWithPermit(address(token), 30 ether, _deadline(), v, r, s);
        assertEq(_balanceOf(signer), 30 ether);
        assertEq(token.allowance(signer, address(market)), 0);
    }

    function test_fundWithPermit_revertsOnBadPermit() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(provider1Key, signer, 30 ether, _deadline());
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, address(token), signer, 30 ether)
        );
        vm.prank(signer);
        market.fundWithPermit(address(token), 30 ether, _deadline(), v, r, s);
        assertEq(_balanceOf(signer), 0);
    }

    function test_fundWithPermit_revertsOnReplayedPermit() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 30 ether, _deadline());
        vm.startPrank(signer);
        market.fundWithPermit(address(token), 30 ether, _deadline(), v, r, s);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, address(token), signer, 30 ether)
        );
        market.fundWithPermit(address(token), 30 ether, _deadline(), v, r, s);
        vm.stopPrank();
        assertEq(_balanceOf(signer), 30 ether, "funded once");
    }

    function test_fundWithPermit_revertsWhenAmountZero() public {
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        vm.prank(signer);
        market.fundWithPermit(address(token), 0, _deadline(), 27, bytes32(0), bytes32(0));
    }

    function test_fundWithPermit_revertsWhenTokenNotListed() public {
        address unlisted = makeAddr("unlisted");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, unlisted));
        vm.prank(signer);
        market.fundWithPermit(unlisted, 1 ether, _deadline(), 27, bytes32(0), bytes32(0));
    }

    // ------------------------------------------------------------ createOrderWithPermit

    function test_createOrderWithPermit_escrowsWithoutApproval() public {
        assertEq(token.allowance(signer, address(market)), 0);
        uint256 before = token.balanceOf(address(market));
        uint256 orderId = _createWithPermit(_batchParams(), signerKey, DEPOSIT, _deadline());
        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(o.tenant, signer);
        assertEq(o.escrow, DEPOSIT);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Open));
        assertEq(token.balanceOf(address(market)), before + DEPOSIT);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT);
        assertEq(token.allowance(signer, address(market)), 0, "the permit's allowance is used up");
        assertEq(token.nonces(signer), 1);
    }

    /// @dev The permit form takes the whole deposit by permit, even when the balance could pay.
    function test_createOrderWithPermit_leavesBalanceAlone() public {
        _fundWithPermit(DEPOSIT);
        _createWithPermit(_batchParams(), signerKey, DEPOSIT, _deadline());
        assertEq(_balanceOf(signer), DEPOSIT);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - 2 * DEPOSIT);
        assertEq(token.balanceOf(address(market)), 2 * DEPOSIT);
    }

    function test_createOrderWithPermit_acceptsFrontRunPermit() public {
        uint256 deadline = _deadline();
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, DEPOSIT, deadline);
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
        uint256 deadline = _deadline();
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(provider1Key, signer, DEPOSIT, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    /// @dev A bad permit is not rescued by the market balance: the permit form never uses it.
    function test_createOrderWithPermit_revertsOnBadPermitEvenWithBalance() public {
        _fundWithPermit(DEPOSIT);
        uint256 deadline = _deadline();
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(provider1Key, signer, DEPOSIT, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
        assertEq(_balanceOf(signer), DEPOSIT);
    }

    function test_createOrderWithPermit_revertsAfterDeadline() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, DEPOSIT, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_revertsWhenPermitIsForLess() public {
        uint256 deadline = _deadline();
        // Signed for less than the deposit: the signature does not match the value the market passes.
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, DEPOSIT - 1, deadline);
        IComputeMarket.OrderParams memory p = _batchParams();
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, DEPOSIT));
        market.createOrderWithPermit(p, deadline, v, r, s);
    }

    function test_createOrderWithPermit_revertsOnReplayedPermit() public {
        uint256 deadline = _deadline();
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, DEPOSIT, deadline);
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
        uint256 deadline = _deadline();
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, p.deposit, deadline);
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
        uint256 orderId = _createWithPermit(_batchParams(), provider1Key, DEPOSIT, _deadline());
        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
        assertEq(token.allowance(signer, address(market)), 0);
    }

    /// @dev An order opened by permit leases and refunds like any other: the refund lands in the
    ///      tenant's balance and pays its next order without a permit or an approval.
    function test_createOrderWithPermit_refundPaysNextOrder() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        vm.prank(signer);
        market.cancelOrder(orderId);
        assertEq(_balanceOf(signer), DEPOSIT);
        uint256 next = _createOrder(signer, _serviceParams());
        assertEq(market.getOrder(next).escrow, DEPOSIT);
        assertEq(_balanceOf(signer), 0);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT);
    }

    // ------------------------------------------------------------ depositWithPermit

    function test_depositWithPermit_topsUpOrder() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        uint256 topUp = 7 ether;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, topUp, _deadline());
        vm.expectEmit(address(market));
        emit IComputeMarket.EscrowDeposited(orderId, signer, topUp);
        vm.prank(signer);
        market.depositWithPermit(orderId, topUp, _deadline(), v, r, s);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + topUp);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT - topUp);
        assertEq(token.nonces(signer), 2);
    }

    function test_depositWithPermit_leavesBalanceAlone() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        _fundWithPermit(5 ether);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 3 ether, _deadline());
        vm.prank(signer);
        market.depositWithPermit(orderId, 3 ether, _deadline(), v, r, s);
        assertEq(_balanceOf(signer), 5 ether);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + 3 ether);
        assertEq(token.balanceOf(signer), TENANT_FUNDS - DEPOSIT - 8 ether);
    }

    function test_depositWithPermit_topsUpActiveLease() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        _bid(provider1, orderId, MAX_PRICE / 2);
        _accept(orderId);
        vm.warp(block.timestamp + 100);
        uint256 topUp = 3 ether;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, topUp, _deadline());
        vm.prank(signer);
        market.depositWithPermit(orderId, topUp, _deadline(), v, r, s);
        // Settled first (100 s at MAX_PRICE / 2), then topped up.
        assertEq(market.getOrder(orderId).escrow, DEPOSIT - 100 * (MAX_PRICE / 2) + topUp);
        assertEq(
            _balanceOf(provider1) + market.accruedFees(address(token)), 100 * (MAX_PRICE / 2), "settled to provider"
        );
    }

    function test_depositWithPermit_acceptsFrontRunPermit() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 2 ether, _deadline());
        vm.prank(stranger);
        token.permit(signer, address(market), 2 ether, _deadline(), v, r, s);
        vm.prank(signer);
        market.depositWithPermit(orderId, 2 ether, _deadline(), v, r, s);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + 2 ether);
    }

    function test_depositWithPermit_revertsOnBadPermit() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(provider2Key, signer, 1 ether, _deadline());
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPermit.selector, token, signer, 1 ether));
        market.depositWithPermit(orderId, 1 ether, _deadline(), v, r, s);
    }

    function test_depositWithPermit_revertsOnZeroAmount() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        vm.prank(signer);
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        market.depositWithPermit(orderId, 0, _deadline(), 27, bytes32(0), bytes32(0));
    }

    function test_depositWithPermit_revertsOnUnknownOrder() public {
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 99));
        market.depositWithPermit(99, 1 ether, _deadline(), 27, bytes32(0), bytes32(0));
    }

    function test_depositWithPermit_revertsOnClosedOrder() public {
        uint256 orderId = _createWithPermit(_serviceParams(), signerKey, DEPOSIT, _deadline());
        vm.prank(signer);
        market.cancelOrder(orderId);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, 1 ether, _deadline());
        vm.prank(signer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        market.depositWithPermit(orderId, 1 ether, _deadline(), v, r, s);
    }
}
