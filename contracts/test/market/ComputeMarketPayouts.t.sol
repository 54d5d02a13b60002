// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice withdraw, sweepFees, and a whole-market money trail across several leases.
contract ComputeMarketPayoutsTest is MarketFixture {
    uint256 internal constant PRICE = 4e14;

    function test_withdraw_sendsEarnings() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(10_000);
        market.settle(leaseId);
        uint256 earned = market.earnings(provider1, address(token));
        assertEq(earned, _net(PRICE * 10_000, params.takeRateBps()));
        uint256 before = token.balanceOf(provider1);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.EarningsWithdrawn(provider1, address(token), earned);
        vm.prank(provider1);
        assertEq(market.withdraw(address(token)), earned);

        assertEq(token.balanceOf(provider1), before + earned);
        assertEq(market.earnings(provider1, address(token)), 0);
        // The lease keeps running on what is left.
        assertEq(token.balanceOf(address(market)), DEPOSIT - earned + BID_DEPOSIT);
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
        assertEq(token.balanceOf(newTreasury), fees);
    }

    function test_sweepFees_includesForfeitedBidDeposits() public {
        uint256 leaseId = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        market.expireLease(leaseId);
        uint256 before = token.balanceOf(treasury);
        assertEq(market.sweepFees(address(token)), BID_DEPOSIT);
        assertEq(token.balanceOf(treasury), before + BID_DEPOSIT);
        assertEq(token.balanceOf(address(market)), 0);
    }

    function test_sweepFees_revertsWhenNothingAccrued() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, address(market), address(token))
        );
        market.sweepFees(address(token));
    }

    struct Trail {
        uint256 tenants;
        uint256 providers;
        uint256 treasury;
        uint256 paidOut;
        uint256 fees;
    }

    function _tenants() private view returns (uint256) {
        return token.balanceOf(tenant) + token.balanceOf(tenant2);
    }

    function _providers() private view returns (uint256) {
        return token.balanceOf(provider1) + token.balanceOf(provider2) + token.balanceOf(provider3);
    }

    /// @dev Several leases ending every way there is; once everyone withdraws and the fees are
    ///      swept the market is empty, and deposits in == provider payouts + refunds + fees.
    function test_moneyTrail_everyWayALeaseEnds() public {
        Trail memory before = Trail(_tenants(), _providers(), token.balanceOf(treasury), 0, 0);

        // 1. service lease closed by the tenant after 5_000 s
        uint256 a = _serviceLease(PRICE);
        // 2. service lease that runs out of escrow
        uint256 b = _serviceLease(MAX_PRICE);
        // 3. batch job accepted after 600 s
        uint256 c = _batchLease(PRICE);
        // 4. batch job that misses its deadline (provider2)
        uint256 d = _createOrder(tenant2, _batchParams());
        _bid(provider2, d, PRICE);
        _accept(d, 0);
        // 5. canceled order with a bid
        uint256 e = _openServiceOrder();
        _bid(provider3, e, PRICE);

        skip(600);
        _submit(c);
        vm.prank(tenant);
        market.acceptResult(c);
        vm.prank(tenant);
        market.cancelOrder(e);
        skip(4_400);
        vm.prank(tenant);
        market.closeLease(a);
        market.expireLease(d);
        skip(DEPOSIT / MAX_PRICE);
        market.settle(b);

        Trail memory out;
        vm.prank(provider1);
        // provider1's earnings include its three bid deposits, credited back (pull payments).
        out.paidOut = market.withdraw(address(token)) - 3 * BID_DEPOSIT;
        vm.prank(provider3);
        assertEq(market.withdraw(address(token)), BID_DEPOSIT, "provider3 pulls its refunded bid deposit");
        out.fees = market.sweepFees(address(token));
        assertEq(token.balanceOf(address(market)), 0);

        uint16 rate = params.takeRateBps();
        // The batch job is paid its fixed price, not the 600 s it took (finding 1).
        uint256 jobC = PRICE * JOB_TIMEOUT;
        uint256 gross = PRICE * 5_000 + DEPOSIT + jobC;
        assertEq(out.paidOut, _net(PRICE * 5_000, rate) + _net(DEPOSIT, rate) + _net(jobC, rate));
        assertEq(out.fees, _fee(PRICE * 5_000, rate) + _fee(DEPOSIT, rate) + _fee(jobC, rate) + BID_DEPOSIT);
        assertEq(out.paidOut + out.fees, gross + BID_DEPOSIT);

        // What tenants spent is exactly the gross paid to provider1 (its earnings plus the fees on them).
        assertEq(before.tenants - _tenants(), gross);
        // provider1 earned; provider2 forfeited its bid deposit and 10% of its stake; provider3 was refunded.
        assertEq(_providers(), before.providers + out.paidOut - BID_DEPOSIT);
        assertEq(staking.stakeOf(provider2, PROVIDER_ROLE), PROVIDER_STAKE * 9 / 10);
        // This contract reported the miss and got the reporter share; the treasury the fees and the rest.
        assertEq(token.balanceOf(address(this)), 10 ether);
        assertEq(token.balanceOf(treasury), before.treasury + out.fees + 90 ether);
    }
}
