// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Accounts (fund, withdraw, balances reused by the next order), sweepFees, and a
///         whole-market money trail across several leases.
contract ComputeMarketPayoutsTest is MarketFixture {
    uint256 internal constant PRICE = 4e14;

    // ------------------------------------------------------------ fund

    function test_fund_creditsBalanceFromAllowance() public {
        uint256 walletBefore = token.balanceOf(tenant);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.AccountFunded(tenant, address(token), 7 ether);
        vm.prank(tenant);
        market.fund(address(token), 7 ether);
        assertEq(_balanceOf(tenant), 7 ether);
        assertEq(token.balanceOf(tenant), walletBefore - 7 ether);
        assertEq(token.balanceOf(address(market)), 7 ether);
        _fundAccount(tenant, 3 ether);
        assertEq(_balanceOf(tenant), 10 ether);
    }

    function test_fund_revertsOnZeroAmount() public {
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        vm.prank(tenant);
        market.fund(address(token), 0);
    }

    function test_fund_revertsForTokenNotAllowed() public {
        address other = makeAddr("otherToken");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, other));
        vm.prank(tenant);
        market.fund(other, 1 ether);
    }

    function test_fund_revertsWithoutAllowance() public {
        address poor = makeAddr("poor");
        vm.prank(treasury);
        assertTrue(token.transfer(poor, 5 ether));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, 5 ether)
        );
        vm.prank(poor);
        market.fund(address(token), 5 ether);
        assertEq(_balanceOf(poor), 0);
    }

    // ------------------------------------------------------------ balances pay for orders

    /// @dev A refund lands in the tenant's balance and pays for its next order: no token moves.
    function test_createOrder_paysFromRefundedBalance() public {
        uint256 first = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(first);
        assertEq(_balanceOf(tenant), DEPOSIT);
        uint256 walletBefore = token.balanceOf(tenant);
        uint256 marketBefore = token.balanceOf(address(market));

        uint256 second = _openServiceOrder();
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(tenant), walletBefore);
        assertEq(token.balanceOf(address(market)), marketBefore);
        assertEq(market.getOrder(second).escrow, DEPOSIT);
    }

    /// @dev A balance short of the deposit is used whole; the rest comes from the allowance.
    function test_createOrder_takesBalanceFirstThenAllowance() public {
        _fundAccount(tenant, 30 ether);
        uint256 walletBefore = token.balanceOf(tenant);
        uint256 id = _openServiceOrder();
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(tenant), walletBefore - (DEPOSIT - 30 ether));
        assertEq(market.getOrder(id).escrow, DEPOSIT);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_createOrder_leavesBalanceBeyondDeposit() public {
        _fundAccount(tenant, DEPOSIT + 1 ether);
        uint256 walletBefore = token.balanceOf(tenant);
        _openServiceOrder();
        assertEq(_balanceOf(tenant), 1 ether);
        assertEq(token.balanceOf(tenant), walletBefore);
    }

    // ------------------------------------------------------------ withdraw

    function test_withdraw_paysProviderBalance() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(10_000);
        market.settle(leaseId);
        uint256 earned = _balanceOf(provider1);
        assertEq(earned, _net(PRICE * 10_000, params.takeRateBps()));
        uint256 before = token.balanceOf(provider1);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.Withdrawn(provider1, address(token), earned);
        vm.prank(provider1);
        assertEq(market.withdraw(address(token)), earned);

        assertEq(token.balanceOf(provider1), before + earned);
        assertEq(_balanceOf(provider1), 0);
        // The lease keeps running on what is left.
        assertEq(token.balanceOf(address(market)), DEPOSIT - earned);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Active));
    }

    function test_withdraw_paysTenantRefund() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(1_000);
        vm.prank(tenant);
        market.closeLease(leaseId);
        uint256 refund = DEPOSIT - PRICE * 1_000;
        assertEq(_balanceOf(tenant), refund);
        uint256 before = token.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.Withdrawn(tenant, address(token), refund);
        vm.prank(tenant);
        assertEq(market.withdraw(address(token)), refund);
        assertEq(token.balanceOf(tenant), before + refund);
        assertEq(_balanceOf(tenant), 0);
    }

    function test_withdraw_paysUnusedFunds() public {
        _fundAccount(stranger, 12 ether);
        uint256 before = token.balanceOf(stranger);
        vm.prank(stranger);
        assertEq(market.withdraw(address(token)), 12 ether);
        assertEq(token.balanceOf(stranger), before + 12 ether);
        assertEq(token.balanceOf(address(market)), 0);
    }

    /// @dev A balance emptied by withdraw can be credited again.
    function test_withdraw_thenCreditedAgain() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(100);
        market.settle(leaseId);
        vm.prank(provider1);
        market.withdraw(address(token));
        skip(100);
        market.settle(leaseId);
        assertEq(_balanceOf(provider1), _net(PRICE * 100, params.takeRateBps()));
    }

    function test_withdraw_revertsWhenNothingEarned() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, provider1, address(token))
        );
        vm.prank(provider1);
        market.withdraw(address(token));
    }

    function test_withdraw_revertsWhenAlreadyWithdrawn() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(100);
        market.settle(leaseId);
        vm.prank(provider1);
        market.withdraw(address(token));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, provider1, address(token))
        );
        vm.prank(provider1);
        market.withdraw(address(token));
    }

    function test_withdraw_revertsForAnotherToken() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(100);
        market.settle(leaseId);
        address other = makeAddr("otherToken");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, provider1, other));
        vm.prank(provider1);
        market.withdraw(other);
    }

    /// @dev Escrow is not a balance: a tenant cannot withdraw what its open order holds.
    function test_withdraw_revertsForEscrowedDeposit() public {
        _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, tenant, address(token)));
        vm.prank(tenant);
        market.withdraw(address(token));
    }

    // ------------------------------------------------------------ sweepFees

    function test_sweepFees_sendsFeesToTreasury() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(10_000);
        market.settle(leaseId);
        uint256 fees = market.accruedFees(address(token));
        assertEq(fees, _fee(PRICE * 10_000, params.takeRateBps()));
        uint256 before = token.balanceOf(treasury);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.FeesSwept(address(token), treasury, fees);
        vm.prank(stranger); // anyone
        assertEq(market.sweepFees(address(token)), fees);

        assertEq(token.balanceOf(treasury), before + fees);
        assertEq(market.accruedFees(address(token)), 0);
    }

    function test_sweepFees_followsTreasuryChange() public {
        address newTreasury = makeAddr("newTreasury");
        vm.prank(owner);
        params.setTreasury(newTreasury);
        uint256 leaseId = _serviceLease(PRICE);
        skip(10_000);
        market.settle(leaseId);
        uint256 fees = market.sweepFees(address(token));
        assertGt(fees, 0);
        assertEq(token.balanceOf(newTreasury), fees);
    }

    /// @dev A failed job pays no fee: the slash goes to the treasury through Staking, not the market.
    function test_sweepFees_failedJobLeavesNoFees() public {
        uint256 leaseId = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        market.expireLease(leaseId);
        assertEq(market.accruedFees(address(token)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, address(market), address(token))
        );
        market.sweepFees(address(token));
    }

    function test_sweepFees_revertsWhenNothingAccrued() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, address(market), address(token))
        );
        market.sweepFees(address(token));
    }

    function test_sweepFees_revertsWhenAlreadySwept() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(10_000);
        market.settle(leaseId);
        market.sweepFees(address(token));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, address(market), address(token))
        );
        market.sweepFees(address(token));
    }

    // ------------------------------------------------------------ money trail

    struct Trail {
        uint256 tenants;
        uint256 providers;
        uint256 treasury;
        uint256 paidOut;
        uint256 refunded;
        uint256 fees;
    }

    function _tenants() private view returns (uint256) {
        return token.balanceOf(tenant) + token.balanceOf(tenant2);
    }

    function _providers() private view returns (uint256) {
        return token.balanceOf(provider1) + token.balanceOf(provider2) + token.balanceOf(provider3);
    }

    /// @dev Leases ending every way there is; once everyone withdraws and the fees are swept the
    ///      market is empty, and deposits in == provider payouts + refunds + fees.
    function test_moneyTrail_everyWayALeaseEnds() public {
        Trail memory before = Trail(_tenants(), _providers(), token.balanceOf(treasury), 0, 0, 0);

        uint256[7] memory ids = _openEveryWay();
        skip(600);
        _submit(ids[2]);
        vm.prank(tenant);
        market.acceptResult(ids[2]);
        vm.prank(tenant);
        market.cancelOrder(ids[4]);
        skip(300);
        vm.prank(tenant);
        market.closeLease(ids[6]);
        skip(900);
        vm.prank(provider3);
        market.closeLease(ids[5]);
        skip(3_200);
        vm.prank(tenant);
        market.closeLease(ids[0]);
        market.expireLease(ids[3]); // this contract reports the miss
        skip(DEPOSIT / MAX_PRICE);
        market.settle(ids[1]);

        Trail memory out;
        vm.prank(provider1);
        out.paidOut = market.withdraw(address(token));
        assertEq(_balanceOf(provider2) + _balanceOf(provider3), 0, "failed and given-up jobs pay nothing");
        vm.prank(tenant);
        out.refunded = market.withdraw(address(token));
        vm.prank(tenant2);
        assertEq(market.withdraw(address(token)), DEPOSIT, "a missed deadline refunds in full");
        out.refunded += DEPOSIT;
        out.fees = market.sweepFees(address(token));
        assertEq(token.balanceOf(address(market)), 0, "the market is empty");

        uint16 rate = params.takeRateBps();
        uint256 jobC = PRICE * JOB_TIMEOUT; // paid its fixed price, not the 600 s it took
        uint256 gross = PRICE * 5_000 + DEPOSIT + jobC + PRICE * 900;
        assertEq(
            out.paidOut,
            _net(PRICE * 5_000, rate) + _net(DEPOSIT, rate) + _net(jobC, rate) + _net(PRICE * 900, rate),
            "provider1's pay"
        );
        assertEq(
            out.fees,
            _fee(PRICE * 5_000, rate) + _fee(DEPOSIT, rate) + _fee(jobC, rate) + _fee(PRICE * 900, rate),
            "fees"
        );
        assertEq(out.paidOut + out.fees, gross);
        assertEq(out.paidOut + out.fees + out.refunded, 7 * DEPOSIT, "deposits in == pay + fees + refunds");

        // What tenants spent is exactly the gross paid for work (provider pay plus the fees on it).
        assertEq(before.tenants - _tenants(), gross);
        assertEq(_providers(), before.providers + out.paidOut);
        // provider2 missed its deadline (the full slash), provider3 gave up halfway (half of it).
        assertEq(staking.stakeOf(provider2, PROVIDER_ROLE), PROVIDER_STAKE - _deadlineSlash());
        assertEq(staking.stakeOf(provider3, PROVIDER_ROLE), PROVIDER_STAKE - _deadlineSlash() / 2);
        // This contract reported the miss and got the reporter share; the treasury the fees and the rest.
        uint256 reward = _deadlineSlash() * params.reporterRewardBps() / BPS;
        assertEq(token.balanceOf(address(this)), reward);
        assertEq(
            token.balanceOf(treasury), before.treasury + out.fees + _deadlineSlash() - reward + _deadlineSlash() / 2
        );
    }

    /// @dev Seven orders of DEPOSIT, to end in seven ways.
    function _openEveryWay() private returns (uint256[7] memory ids) {
        // 0. service lease closed by the tenant after 5_000 s
        ids[0] = _serviceLease(PRICE);
        // 1. service lease that runs out of escrow
        ids[1] = _serviceLease(MAX_PRICE);
        // 2. batch job accepted after 600 s
        ids[2] = _batchLease(PRICE);
        // 3. batch job that misses its deadline (provider2, tenant2)
        ids[3] = _createOrder(tenant2, _batchParams());
        _bid(provider2, ids[3], PRICE);
        _accept(ids[3]);
        // 4. canceled order with a bid (provider3)
        ids[4] = _openServiceOrder();
        _bid(provider3, ids[4], PRICE);
        // 5. batch job provider3 gives up after 1_800 s
        ids[5] = _leaseTo(provider3, _batchParams(), PRICE);
        // 6. batch job the tenant closes after 900 s
        ids[6] = _batchLease(PRICE);
    }
}
