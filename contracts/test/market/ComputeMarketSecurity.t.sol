// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IStaking} from "../../src/staking/IStaking.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @dev An ERC-20 whose owner can block accounts (as USDC/USDT can): a transfer to or from a blocked
///      account reverts. Only used to show that no blocked party can hold up a lease or an order.
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    constructor() ERC20("Blocklist USD", "BUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address who, bool value) external {
        blocked[who] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[to] && !blocked[from], "blocked");
        super._update(from, to, value);
    }
}

interface ITokenReceiver {
    function onTokenReceived() external;
}

/// @dev An ERC-20 that calls the receiver back on every transfer to a contract that asks for it (as
///      ERC-777 hooks do): a hostile listed token, or one with hooks, must not let a receiver re-enter.
contract HookToken is ERC20 {
    mapping(address => bool) public hooked;

    constructor() ERC20("Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHooked(address who) external {
        hooked[who] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hooked[to]) ITokenReceiver(to).onTokenReceived();
    }
}

/// @dev Funds the market, then withdraws; on receiving the payout it calls withdraw again.
contract ReentrantWithdrawer is ITokenReceiver {
    IComputeMarket private immutable market;
    HookToken private immutable hookToken;
    bool public reentered;
    bool public reentrySucceeded;

    constructor(IComputeMarket market_, HookToken token_) {
        market = market_;
        hookToken = token_;
    }

    function fund(uint256 amount) external {
        hookToken.approve(address(market), amount);
        market.fund(address(hookToken), amount);
    }

    function withdraw() external returns (uint256) {
        return market.withdraw(address(hookToken));
    }

    function onTokenReceived() external {
        if (msg.sender != address(hookToken) || reentered) return;
        reentered = true;
        try market.withdraw(address(hookToken)) {
            reentrySucceeded = true;
        } catch {}
    }
}

/// @notice Regression tests for the security review of issue 9, one or more per finding, adapted to
///         the lean market (accounts credited instead of pushed, one running best bid with no
///         deposit, the lazy stake lock), and reentrancy through a token with hooks.
contract ComputeMarketSecurityTest is MarketFixture {
    uint256 internal constant PRICE = 5e14;

    // ------------------------------------------------------------ finding 1 (batch pricing)

    /// @dev A result handed in at 10% of the timeout and one handed in one second before the
    ///      deadline are paid the same: the job's price, fixed when the lease started.
    function test_finding1_lateResultEarnsNoMore() public {
        uint256 early = _batchLease(PRICE);
        uint256 late = _batchLease(PRICE);
        skip(JOB_TIMEOUT / 10);
        _submit(early);
        skip(JOB_TIMEOUT - JOB_TIMEOUT / 10 - 1);
        _submit(late);
        vm.prank(tenant);
        market.acceptResult(early);
        uint256 earlyPay = _balanceOf(provider1);
        vm.prank(tenant);
        market.acceptResult(late);
        uint256 latePay = _balanceOf(provider1) - earlyPay;
        assertEq(earlyPay, _net(PRICE * JOB_TIMEOUT, params.takeRateBps()), "early paid the job price");
        assertEq(latePay, earlyPay, "late earns no more than early");
    }

    /// @dev What the views report is what the lease pays: the job price is held from the start and
    ///      nothing more accrues with time.
    function test_finding1_viewsReportFixedJobPrice() public {
        uint256 id = _batchLease(PRICE);
        assertEq(market.getLease(id).held, PRICE * JOB_TIMEOUT, "job price held at start");
        assertEq(market.getOrder(id).escrow, DEPOSIT, "the job price stays in the escrow until the end");
        skip(JOB_TIMEOUT / 2);
        (uint256 accrued, uint256 escrowLeft) = market.pendingSettlement(id);
        assertEq(accrued, 0, "a batch lease accrues nothing by time");
        assertEq(escrowLeft, DEPOSIT);
        assertEq(market.settle(id), 0);
        assertEq(market.getLease(id).held, PRICE * JOB_TIMEOUT, "still the job price");
        assertEq(_balanceOf(provider1), 0);
    }

    // ------------------------------------------------------------ finding 3 (bid griefing)

    /// @dev Bids hold no slots and no deposits: Sybils bidding one after another only lower the
    ///      price, an honest provider still bids below them, and no outbid bidder has anything in
    ///      the market.
    function test_finding3_sybilBidsOnlyLowerThePrice() public {
        uint256 orderId = _openServiceOrder();
        for (uint256 i; i < 30; ++i) {
            address sybil = makeAddr(string.concat("sybil", vm.toString(i)));
            _registerProvider(sybil, _attrs1("region", "eu"));
            _bid(sybil, orderId, PRICE - i);
        }
        _bid(provider1, orderId, PRICE - 30);
        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(o.bestBidder, provider1);
        assertEq(o.bestPricePerSecond, PRICE - 30);
        assertEq(token.balanceOf(address(market)), DEPOSIT, "no bid holds tokens");
        assertEq(_balanceOf(makeAddr("sybil0")), 0);
    }

    /// @dev The lowest bidder unstakes to block the order: the tenant cannot lease to it, but cancels
    ///      with its whole escrow back in its balance and opens the order again.
    function test_finding3_bidderDroppingStakeCannotHoldEscrow() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider2, orderId, PRICE);
        _bid(provider1, orderId, 1); // unbeatable
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, 0, _minStake())
        );
        vm.prank(tenant);
        market.acceptBid(orderId);

        vm.prank(tenant);
        market.cancelOrder(orderId);
        assertEq(_balanceOf(tenant), DEPOSIT, "whole escrow back");
        uint256 again = _openServiceOrder();
        assertEq(_balanceOf(tenant), 0, "the refund paid the new order");
        _bid(provider2, again, PRICE);
        assertEq(_accept(again), again);
        assertEq(market.getLease(again).provider, provider2);
    }

    // ------------------------------------------------------------ finding 4 (provider gives up)

    /// @dev Giving a job up one second before the deadline costs nearly what missing it costs.
    function test_finding4_lateGiveUpIsPenalized() public {
        uint256 id = _batchLease(PRICE);
        uint256 stakeBefore = staking.stakeOf(provider1, PROVIDER_ROLE);
        skip(JOB_TIMEOUT - 1);
        vm.prank(provider1);
        market.closeLease(id);
        uint256 expectedSlash = _deadlineSlash() * (JOB_TIMEOUT - 1) / JOB_TIMEOUT;
        assertEq(stakeBefore - staking.stakeOf(provider1, PROVIDER_ROLE), expectedSlash, "stake slashed pro rata");
        assertEq(_balanceOf(provider1), 0, "paid nothing");
        assertEq(_balanceOf(tenant), DEPOSIT, "tenant: whole escrow back");
        assertEq(_openLeases(provider1), 0);
    }

    /// @dev Giving up right away is nearly free.
    function test_finding4_earlyGiveUpIsCheap() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT / 100);
        vm.prank(provider1);
        market.closeLease(id);
        assertEq(PROVIDER_STAKE - staking.stakeOf(provider1, PROVIDER_ROLE), _deadlineSlash() / 100);
        assertEq(_balanceOf(tenant), DEPOSIT);
    }

    // ------------------------------------------------------------ finding 5 (stake lock)

    /// @dev Stake backing an open lease cannot be unstaked; a missed deadline slashes it even after
    ///      the provider unstaked the rest; releaseStake then frees what is left of the lock.
    function test_finding5_stakeLockedWhileLeaseOpen() public {
        uint256 id = _batchLease(PRICE);
        uint256 locked = _minStake();
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), locked);
        vm.prank(provider1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientUnlockedStake.selector,
                provider1,
                PROVIDER_ROLE,
                PROVIDER_STAKE,
                PROVIDER_STAKE - locked
            )
        );
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        // releaseStake cannot free what the open lease needs.
        vm.prank(provider1);
        assertEq(market.releaseStake(), 0);
        // It can unstake what is not locked, and the missed deadline still slashes the locked part.
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE - locked);
        skip(params.unbondingPeriod() + 1);
        vm.prank(provider1);
        staking.withdraw(PROVIDER_ROLE);
        vm.prank(keeper);
        market.expireLease(id);
        uint256 left = locked - _deadlineSlash();
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), left, "the locked stake was slashed");
        assertEq(_balanceOf(tenant), DEPOSIT, "tenant refunded in full");

        // The lease is over: the provider frees the rest of the lock and may leave.
        vm.prank(provider1);
        market.releaseStake();
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
        assertEq(_lockedByMarket(provider1), 0);
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, left);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), 0);
    }

    /// @dev The missed-deadline slash is capped by what the market holds locked for the provider.
    function test_finding5_missedDeadlineSlashesMinStakeShare() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        vm.prank(keeper);
        market.expireLease(id);
        assertEq(PROVIDER_STAKE - staking.stakeOf(provider1, PROVIDER_ROLE), _deadlineSlash());
        assertEq(_openLeases(provider1), 0);
    }

    // ------------------------------------------------------------ finding 7 (self-report)

    function test_finding7_selfReportEarnsNoReward() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        uint256 slash = _deadlineSlash();
        uint256 providerBefore = token.balanceOf(provider1);
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.prank(provider1);
        market.expireLease(id);
        assertEq(token.balanceOf(provider1), providerBefore, "no reporter share to the slashed provider");
        assertEq(_balanceOf(provider1), 0);
        assertEq(token.balanceOf(treasury) - treasuryBefore, slash, "all of the slash to the treasury");
    }

    function test_finding7_keeperEarnsReporterShare() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        uint256 keeperBefore = token.balanceOf(keeper);
        vm.prank(keeper);
        market.expireLease(id);
        assertEq(token.balanceOf(keeper) - keeperBefore, _deadlineSlash() * params.reporterRewardBps() / BPS);
    }

    // ------------------------------------------------------------ finding 8 (pull payments)

    /// @dev A tenant or provider blocked by the token cannot stop a lease from closing or an order
    ///      from being canceled: pay and refunds are credited, and withdrawn by their owners.
    function test_finding8_blockedPartiesCannotLockFunds() public {
        BlocklistToken busd = new BlocklistToken();
        vm.prank(owner);
        params.setPaymentToken(address(busd), true, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        busd.mint(tenant, 1_000 ether);
        vm.prank(tenant);
        busd.approve(address(market), type(uint256).max);
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.token = address(busd);
        uint256 a = _lease(p, PRICE);
        uint256 b = _createOrder(tenant, p);
        busd.setBlocked(provider1, true);
        busd.setBlocked(tenant, true);

        skip(100);
        vm.prank(provider1);
        market.closeLease(a); // would revert if the provider's pay or the tenant's refund were pushed
        vm.prank(tenant);
        market.cancelOrder(b);
        uint256 gross = 100 * PRICE;
        uint16 rate = params.takeRateBps();
        assertEq(market.balanceOf(provider1, address(busd)), _net(gross, rate), "pay credited");
        assertEq(market.balanceOf(tenant, address(busd)), 2 * DEPOSIT - gross, "refunds credited");

        vm.expectRevert("blocked");
        vm.prank(provider1);
        market.withdraw(address(busd));
        busd.setBlocked(provider1, false);
        vm.prank(provider1);
        market.withdraw(address(busd));
        assertEq(busd.balanceOf(provider1), _net(gross, rate), "provider1 pulled its pay");
        assertEq(market.balanceOf(tenant, address(busd)), 2 * DEPOSIT - gross, "the tenant's credit waits");
    }

    /// @dev The winner's pay is credited when the lease ends, never pushed.
    function test_finding8_payCreditedAtLeaseEnd() public {
        uint256 id = _batchLease(PRICE);
        uint256 before = token.balanceOf(provider1);
        _submit(id);
        vm.prank(tenant);
        market.acceptResult(id);
        assertEq(token.balanceOf(provider1), before, "nothing pushed");
        assertEq(_balanceOf(provider1), _net(PRICE * JOB_TIMEOUT, params.takeRateBps()), "pay credited");
        assertEq(_balanceOf(tenant), DEPOSIT - PRICE * JOB_TIMEOUT, "rest of the escrow credited");
    }

    // ------------------------------------------------------------ accounts

    /// @dev A top-up spends the caller's own balance, never the tenant's.
    function test_accounts_depositSpendsCallersBalanceOnly() public {
        uint256 orderId = _openServiceOrder();
        _fundAccount(tenant, 10 ether);
        _fundAccount(stranger, 1 ether);
        uint256 strangerWallet = token.balanceOf(stranger);
        vm.prank(stranger);
        market.deposit(orderId, 3 ether);
        assertEq(_balanceOf(tenant), 10 ether, "the tenant's balance is untouched");
        assertEq(_balanceOf(stranger), 0);
        assertEq(token.balanceOf(stranger), strangerWallet - 2 ether);
    }

    /// @dev Balances are backed: the market holds at least every balance, fee and escrow.
    function test_accounts_marketHoldsEveryCredit() public {
        _fundAccount(tenant, 50 ether);
        uint256 a = _serviceLease(PRICE);
        uint256 b = _batchLease(PRICE);
        skip(500);
        vm.prank(tenant);
        market.closeLease(a);
        _submit(b);
        vm.prank(tenant);
        market.acceptResult(b);
        uint256 credits = _balanceOf(tenant) + _balanceOf(provider1) + market.accruedFees(address(token));
        assertEq(token.balanceOf(address(market)), credits, "market holds exactly the credits");
        // 50 funded, of which the first order used all (the rest of it from the wallet).
        assertEq(credits, 2 * DEPOSIT, "nothing created or lost");
    }

    // ------------------------------------------------------------ reentrancy

    /// @dev A token calling the receiver back cannot make withdraw pay twice.
    function test_reentrancy_withdrawPaysOnce() public {
        HookToken hook = new HookToken();
        vm.prank(owner);
        params.setPaymentToken(address(hook), true, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        ReentrantWithdrawer attacker = new ReentrantWithdrawer(market, hook);
        hook.mint(address(attacker), 10 ether);
        attacker.fund(10 ether);
        // Someone else's funds in the market, which a second payout would take.
        hook.mint(tenant, 50 ether);
        vm.startPrank(tenant);
        hook.approve(address(market), 50 ether);
        market.fund(address(hook), 50 ether);
        vm.stopPrank();

        hook.setHooked(address(attacker));
        assertEq(attacker.withdraw(), 10 ether);
        assertTrue(attacker.reentered(), "the hook ran");
        assertFalse(attacker.reentrySucceeded(), "the second withdraw failed");
        assertEq(hook.balanceOf(address(attacker)), 10 ether, "paid once");
        assertEq(market.balanceOf(address(attacker), address(hook)), 0);
        assertEq(hook.balanceOf(address(market)), 50 ether, "the tenant's funds are still there");
        assertEq(market.balanceOf(tenant, address(hook)), 50 ether);
    }
}
